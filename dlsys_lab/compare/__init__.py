"""Side-by-side framework comparisons: one task, one results table, one way to count lines.

Submodules (imported on demand): digits_task (the task, step trainers, loss trajectories, interleaved step timing),
table, loc, keras_digits, keras_backends (Keras in one live process per backend), translations (one model across
frameworks through ONNX, jaxpr and StableHLO: what survives).
"""
