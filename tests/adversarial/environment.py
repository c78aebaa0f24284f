# threat: reading the grader's environment, the host's processes and folders nobody thought to hide
# expect: ok
# score: 4
import glob, os
leaks = [k for k in os.environ if "SECRET" in k or "TOKEN" in k]
leaks += [p for p in ["{course}", "{subs}", "{repo}/source", "{repo}/autograder", "/opt", "/var", "/srv", "/home",
                      "/etc/hostname", "/root/.bashrc"] if os.path.exists(p)]
leaks += [p for p in glob.glob("/proc/[0-9]*/cmdline") if "{subs}" in open(p, errors="replace").read()]
own = os.path.exists(f"/proc/{{os.getpid()}}") and os.environ.get("HOME") == os.getcwd()
if own and not leaks and os.environ.get("PWD") == os.getcwd() and "{course}" not in os.getcwd():
    SOLUTION
