"""The adversarial suite (tests/test_autograder_adversarial.py) under the sandbox without root: `dlsys grade` runs as
an ordinary user with no capability, so it builds the rootless sandbox (autograder/rootless.py). Run as root, the
test runs the grader as ROOTLESS_UID (no passwd entry needed) through setpriv; run as another user, it runs the
grader as itself. Skipped, with the reason, where unprivileged user namespaces do not work."""
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from adversarial.course_copy import REPO
from test_autograder_adversarial import (CASES, HONEST, feedback, grade_cases,  # noqa: F401 - collected here
                                         test_honest_student_unaffected, test_hostile_submission_gains_nothing)

pytestmark = pytest.mark.xdist_group("autograder_adversarial")
ROOTLESS_UID = int(os.environ.get("DLSYS_ROOTLESS_TEST_UID", "64123"))
PROBE = ["unshare", "--user", "--map-root-user", "--mount", "--net", "--pid", "--fork", "true"]


def _as_user(command: list[str]) -> list[str]:
    """command run as ROOTLESS_UID with no groups and no capability (from root)."""
    return ["setpriv", f"--reuid={ROOTLESS_UID}", f"--regid={ROOTLESS_UID}", "--clear-groups", *command]


def _closed_ancestor(path: Path) -> Path | None:
    """The first folder above path that others may not enter (the interpreter under /root, mode 0700), or None."""
    for folder in reversed(path.parents):
        if folder != Path("/") and not folder.stat().st_mode & 0o001:
            return folder
    return None


def _reach_interpreter(command: list[str], scratch: Path) -> list[str]:
    """command, in a private mount namespace of the test where the interpreter's prefix and this repository (with
    its venv) are reachable when a folder above them is closed to others (the interpreter under /root, a clone in a
    0700 temporary folder): a tmpfs over each such folder, the paths bound back. Nothing outside changes."""
    keep = [path for path in dict.fromkeys([Path(sys.base_prefix).resolve(), REPO.resolve()])
            if _closed_ancestor(path) is not None]
    if not keep:
        return command
    closed = {_closed_ancestor(path) for path in keep}
    closed = [c for c in closed if not any(other in c.parents for other in closed)]  # a tmpfs hides what is inside
    held = [scratch / f"held{i}" for i in range(len(keep))]
    for folder in held:
        folder.mkdir()
    steps = [f'mount --rbind "{path}" "{folder}"' for path, folder in zip(keep, held)]
    steps += [f'mount -t tmpfs -o mode=755,size=1m tmpfs "{folder}"' for folder in closed]
    steps += [f'mkdir -p "{path}" && mount --move "{folder}" "{path}"' for path, folder in zip(keep, held)]
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", " && ".join(steps) + ' && exec "$@"', "sh",
            *command]


def _skip_reason() -> str:
    """Why the rootless sandbox cannot be tested here ("" when it can)."""
    if sys.platform != "linux":
        return "the sandbox is Linux only"
    if os.geteuid() != 0:
        from autograder import sandbox
        return "" if sandbox.kind() == "rootless" else "unprivileged user namespaces do not work for this user"
    if not (shutil.which("setpriv") and shutil.which("unshare")):
        return "setpriv and unshare (util-linux) are needed to run the grader as another user"
    probe = subprocess.run(_as_user(PROBE), capture_output=True, text=True)
    if probe.returncode:
        limit = Path("/proc/sys/user/max_user_namespaces")
        return (f"unprivileged user namespaces do not work on this kernel ({probe.stderr.strip()}; "
                f"max_user_namespaces={limit.read_text().strip() if limit.exists() else '?'})")
    return ""


def _processes_of(uid: int) -> list[str]:
    """Command lines of the processes running under uid."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            status = (proc / "status").read_text()
            if proc.name.isdigit() and int(status.split("Uid:")[1].split()[0]) == uid:
                found.append((proc / "cmdline").read_text().replace("\0", " "))
        except (OSError, IndexError, ValueError):
            continue
    return found


@pytest.fixture(scope="module")
def graded():
    """The adversarial run, graded by a grader without root."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    scratch = Path(tempfile.mkdtemp(prefix="dlsys-rootless-"))
    scratch.chmod(0o755)
    course_dir, subs, home = scratch / "course", scratch / "subs", scratch / "home"
    for folder in (subs, home):
        folder.mkdir()

    def grade(course: Path, *args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "dlsys_lab", "--course", str(course), *map(str, args)]
        env = dict(os.environ, HOME=str(home), PYTHONPATH=str(REPO))
        if os.geteuid() == 0:
            subprocess.run(["chown", "-R", f"{ROOTLESS_UID}:{ROOTLESS_UID}", str(scratch)], check=True)
            command = _reach_interpreter(_as_user(command), scratch)
        result = subprocess.run(command, capture_output=True, text=True, timeout=900, env=env)
        assert "Traceback" not in result.stderr, result.stderr[-3000:]
        return result

    try:
        yield from grade_cases(course_dir, subs, grade)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@pytest.mark.slow
def test_the_grader_used_the_rootless_sandbox(graded):
    """The rows are graded (no refusal), and after the run nothing of the grader's uid is left running."""
    course, subs, rows, before, connections, result = graded
    assert set(HONEST) <= set(rows) and "needs root" not in result.stderr, result.stderr[-2000:]
    if os.geteuid() == 0:  # a process still exiting as the command returns is not a leftover: give it a moment
        deadline = time.monotonic() + 15
        while _leftovers() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not _leftovers()


def _leftovers() -> list[str]:
    """Processes of the grader's uid, less this file's own user-namespace probe (the grader never runs `unshare`)."""
    return [command for command in _processes_of(ROOTLESS_UID) if not command.startswith(" ".join(PROBE))]


def test_doctor_names_the_sandbox_this_user_gets(tmp_path):
    """`dlsys doctor`'s sandbox line, for the grader run as an ordinary user: the sandbox without root."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    command = [sys.executable, "-c", "from dlsys_lab.doctor import check_sandbox; print(check_sandbox().detail)"]
    if os.geteuid() == 0:
        tmp_path.chmod(0o755)
        command = _reach_interpreter(_as_user(command), tmp_path)
    run = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert run.stdout.strip() == "sandbox without root (an unprivileged user namespace)", run.stderr


def test_grade_refuses_without_any_sandbox(monkeypatch):
    """With neither root nor user namespaces, grading refuses unless --no-sandbox is given."""
    from autograder import course, grading, sandbox
    monkeypatch.setattr(sandbox, "kind", lambda: "")
    with pytest.raises(course.CourseError, match="--no-sandbox"):
        grading.make_tasks({"s": {}}, {}, grading.Options())
    assert grading.make_tasks({"s": {}}, {}, grading.Options(use_sandbox=False))[0].sandbox is False
