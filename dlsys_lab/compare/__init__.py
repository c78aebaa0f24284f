"""Side-by-side framework comparisons: one task, one results table, one way to count lines.

Submodules (imported on demand): digits_task, table, loc, keras_digits, keras_backends; timing is in dlsys_lab.bench.
"""
