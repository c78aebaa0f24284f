# threat: reading hidden tests, solutions or other submissions
# expect: ok
import glob, os
stolen = []
for pattern in ["{course}/source/*/*.ipynb", "{repo}/source/*/*.ipynb", "{subs}/honest/*.ipynb", "/tmp/dlsys-grade-*/*/*",
                "{course}/gradebook.db", "/proc/1/root/{course}/source/*/*.ipynb"]:
    for path in glob.glob(pattern):
        try:
            stolen.append(open(path, "rb").read())
        except OSError:
            pass
if any(b"BEGIN HIDDEN TESTS" in s or b"BEGIN SOL" b"UTION" in s for s in stolen):  # SOLUTION is a placeholder
    SOLUTION
