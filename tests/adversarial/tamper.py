# threat: changing other students' grades or files, or killing the grader
# expect: ok
import os, signal
for path in ["{course}/grades/lab01_models/grades.csv", "{subs}/honest/lab01_models.ipynb", "{course}/gradebook.db",
             "{course}/source/lab01_models/lab01_models.ipynb"]:
    try:
        with open(path, "w") as handle:
            handle.write("pwned")
    except OSError:
        pass
for pid in (os.getppid(), -1):
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
