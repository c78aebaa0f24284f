"""A demo class on JupyterHub on this machine: one instructor and two students, everything under one state folder
(`.hub/` for `make hub`) and removable.

    python hub/democlass.py up   [--state .hub] [--course .] [--port 8000] [--students a,b] [--instructor NAME]
    python hub/democlass.py run  (the same options: `up`, then JupyterHub in the foreground until Ctrl-C)
    python hub/democlass.py down [--state .hub]   (removes the students' Unix users, their homes and the state)

Students are real Unix users (useradd, homes under STATE/home), because nbgrader's exchange tells students apart by
their Unix identity and keeps one student's submission from another by file permissions; the instructor's server
runs as the Unix user who owns the course (it writes the gradebook and runs `dlsys grade`, whose sandbox needs
root). So this needs root; without it, it says so and exits with status 3 (`make hub` explains and stops).
hub/jupyterhub_config.py reads STATE/class.json, which `up` writes."""
from __future__ import annotations

import argparse
import json
import os
import pwd
import secrets
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COURSE_ID = "dlsys-lab"
# The instructor's own material (solutions, hidden tests, the package with every lab's reference) and the class's
# grades: no student may read them (course-relative paths; the nbgrader working folders are made when missing).
PRIVATE = ("source", "dlsys_lab", "gradebook.db")
WORK_FOLDERS = ("submitted", "collected", "autograded", "feedback", "grades")
NOT_ROOT = 3


class ClassError(Exception):
    """A problem setting up the class, with the fix in its message."""


def class_file(state: Path) -> Path:
    """STATE/class.json: the class as `up` made it."""
    return state / "class.json"


def read_class(state: Path) -> dict:
    """The class `up` wrote into state."""
    return json.loads(class_file(state).read_text())


def closed_to_others(path: Path) -> Path | None:
    """The first of path and the folders above it that other users cannot enter (or run), or None."""
    for parent in [path, *path.parents]:
        if not parent.stat().st_mode & stat.S_IXOTH:
            return parent
    return None


def check_reachable(folder: Path) -> None:
    """Students must be able to pass through every folder above the course (to reach the exchange and their
    homes): a ClassError naming the first that others cannot enter."""
    closed = closed_to_others(folder)
    if closed:
        raise ClassError(f"{closed} cannot be entered by other users, so students could not reach {folder}: "
                         f"`chmod o+x {closed}`, or put the course elsewhere")


def student_runtime(state: Path) -> dict:
    """How students' servers run the course's venv. Its own Python when others may run it; when that Python lives
    where they cannot enter (a pyenv under /root), another Python of the same version (/usr/bin, /usr/local/bin) in
    a small venv STATE/python that loads the course venv's packages, with the course's kernel re-pointed at it."""
    venv = Path(sys.prefix)
    interpreter = Path(sys.executable).resolve()
    closed = closed_to_others(interpreter) or closed_to_others(venv)
    plain = {"cmd": [str(venv / "bin" / "jupyterhub-singleuser")], "path": [str(venv / "bin")], "jupyter_path": [],
             "config_path": []}
    if not closed:
        return plain
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    others = [Path(folder) / version for folder in ("/usr/local/bin", "/usr/bin")]
    found = next((p for p in others if p.exists() and not closed_to_others(p.resolve())), None)
    if closed_to_others(venv):
        raise ClassError(f"students cannot run the course's venv {venv}: other users cannot enter "
                         f"{closed_to_others(venv)}; put the course where they may (`chmod o+x` that folder)")
    if found is None:
        raise ClassError(f"students cannot run the course's Python ({interpreter}: other users cannot enter {closed}) "
                         f"and there is no {version} they can run in /usr/local/bin or /usr/bin; make the venv from a "
                         "Python installed for all users")
    own = state / "python"
    if not (own / "bin" / "python").exists():
        subprocess.run([str(found), "-m", "venv", "--without-pip", str(own)], check=True)
    site = venv / "lib" / version / "site-packages"
    (own / "lib" / version / "site-packages" / "dlsys_course_venv.pth").write_text(
        f"import site; site.addsitedir({str(site)!r})\n")
    kernels = venv / "share" / "jupyter" / "kernels"
    for spec in kernels.glob("*/kernel.json"):
        kernel = json.loads(spec.read_text())
        kernel["argv"][0] = str(own / "bin" / "python")
        target = own / "share" / "jupyter" / "kernels" / spec.parent.name / "kernel.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(kernel, indent=1))
    for path in [own, *own.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644)
    return {"cmd": [str(own / "bin" / "python"), "-m", "jupyterhub.singleuser"], "path": [str(own / "bin")],
            "jupyter_path": [str(own / "share" / "jupyter"), str(venv / "share" / "jupyter")],
            "config_path": [str(venv / "etc" / "jupyter")]}  # where the venv's server extensions are enabled


def create_student(name: str, home: Path) -> bool:
    """A Unix user `name` with its home at `home`; True when created now, False when it is one we made before.
    A ClassError when a user of that name exists and is not ours (its home is elsewhere)."""
    try:
        existing = pwd.getpwnam(name)
    except KeyError:
        home.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["useradd", "--create-home", "--home-dir", str(home), "--shell", "/bin/bash",
                        "--user-group", "--comment", "dlsys-lab demo class", name], check=True)
        home.chmod(0o700)
        return True
    if Path(existing.pw_dir) != home:
        raise ClassError(f"a Unix user {name!r} already exists (home {existing.pw_dir}) and is not one of this class: "
                         "choose other names with --students")
    return False


def protect(course: Path) -> dict[str, int]:
    """Take every permission of others away from the course's private paths (creating its folders); returns the
    modes they had, for `down` to put back."""
    before = {}
    for relative in (*PRIVATE, *WORK_FOLDERS):
        path = course / relative
        if relative in WORK_FOLDERS:
            path.mkdir(mode=0o750, exist_ok=True)
        if path.exists():
            before[relative] = stat.S_IMODE(path.stat().st_mode)
            path.chmod(before[relative] & ~0o007)
    return before


def up(state: Path, course: Path, port: int, students: list[str], instructor: str,
       hub_port: int = 8081, proxy_api_port: int = 8001) -> dict:
    """Make the class: students' users and homes, their passwords, the exchange and the gradebook; write and
    return STATE/class.json (an existing class keeps its users, passwords and protected modes)."""
    if os.geteuid() != 0:
        raise ClassError("the demo class needs root: its students are Unix users (useradd), and JupyterHub starts "
                         "each user's server as that user")
    state, course = state.resolve(), course.resolve()
    if not (course / "nbgrader_config.py").is_file():
        raise ClassError(f"{course} is not a course (no nbgrader_config.py)")
    old = read_class(state) if class_file(state).is_file() else {}
    state.mkdir(parents=True, exist_ok=True)
    state.chmod(0o711)
    check_reachable(state)
    check_reachable(course)
    proxy = find_proxy(state)
    the_class = {"course": str(course), "created_users": list(old.get("created_users", [])),
                 "protected": dict(old.get("protected", {}))}
    for name in students:  # recorded as made, so that `down` removes them whatever fails later
        if create_student(name, state / "home" / name) and name not in the_class["created_users"]:
            the_class["created_users"].append(name)
        class_file(state).write_text(json.dumps({**old, **the_class}, indent=1))
    exchange = course / "exchange"
    exchange.mkdir(exist_ok=True)
    exchange.chmod(0o1777)  # nbgrader's exchange root: every user may create (its course folder is the instructor's)
    subprocess.run([sys.executable, "-m", "autograder.gradebook", "gradebook.db"], cwd=course, check=True,
                   env=repo_env())
    the_class["protected"] = {**protect(course), **the_class["protected"]}
    class_file(state).write_text(json.dumps({**old, **the_class}, indent=1))
    build_edition(state, course)
    passwords_file = state / "passwords.json"
    passwords = json.loads(passwords_file.read_text()) if passwords_file.is_file() else {}
    for name in [instructor, *students]:
        passwords.setdefault(name, secrets.token_urlsafe(12))
    passwords_file.touch(mode=0o600)
    passwords_file.write_text(json.dumps(passwords, indent=1))
    the_class.update(course_id=COURSE_ID, repo=str(REPO), python=sys.executable, port=port, hub_port=hub_port,
                     proxy_api_port=proxy_api_port, proxy=str(proxy), instructor=instructor,
                     instructor_unix=pwd.getpwuid(course.stat().st_uid).pw_name, students=students,
                     student_runtime=student_runtime(state))
    write_jupyter_config(state, the_class)
    class_file(state).write_text(json.dumps(the_class, indent=1))
    return the_class


def repo_env() -> dict[str, str]:
    """This environment with the repository first on PYTHONPATH (its dlsys_lab and autograder, for a course copy)."""
    return dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))


def build_edition(state: Path, course: Path) -> Path:
    """STATE/edition: the student edition (`dlsys release --student-edition`) of the labs the course has released,
    which students' servers import instead of the course's dlsys_lab (it holds stubs, not the answers)."""
    labs = sorted(p.name for p in (course / "release").iterdir() if p.is_dir())
    edition = state / "edition"
    subprocess.run([sys.executable, "-m", "dlsys_lab", "release", "--student-edition", str(edition), "--labs", *labs],
                   cwd=REPO, check=True, stdout=subprocess.DEVNULL, env=repo_env())
    for path in [edition, *edition.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | (0o005 if path.is_dir() else 0o004))
    return edition


def find_proxy(state: Path) -> Path:
    """configurable-http-proxy: STATE/node_modules (where `make hub` installs it with npm), else on PATH."""
    local = state / "node_modules" / ".bin" / "configurable-http-proxy"
    found = local if local.exists() else shutil.which("configurable-http-proxy")
    if not found:
        raise ClassError(f"configurable-http-proxy not found in {local.parent} or on PATH: "
                         f"`npm install --prefix {state} configurable-http-proxy@5` (`make hub` does)")
    return Path(found)


def write_jupyter_config(state: Path, the_class: dict) -> None:
    """STATE/jupyter/{student,instructor}: the Jupyter configuration each role's server adds to the course's
    jupyter/. Students: nbgrader knows the course and its exchange, and the instructor's panels are off.
    Instructor: formgrader may be framed by JupyterLab (JupyterHub >= 4.1 forbids framing by default)."""
    student = state / "jupyter" / "student"
    (student / "labconfig").mkdir(parents=True, exist_ok=True)
    (student / "nbgrader_config.py").write_text(
        f"c = get_config()  # noqa: F821\nc.CourseDirectory.course_id = {the_class['course_id']!r}\n"
        f"c.Exchange.root = {str(Path(the_class['course']) / 'exchange')!r}\n")
    (student / "labconfig" / "page_config.json").write_text(json.dumps({"disabledExtensions": {
        "@jupyter/nbgrader:formgrader": True, "@jupyter/nbgrader:create-assignment": True,
        "@jupyter/nbgrader:course-list": True}}, indent=1))
    (student / "jupyter_server_config.json").write_text(json.dumps({"ServerApp": {"jpserver_extensions": {
        "nbgrader.server_extensions.formgrader": False, "nbgrader.server_extensions.course_list": False}}}, indent=1))
    instructor = state / "jupyter" / "instructor"
    instructor.mkdir(parents=True, exist_ok=True)
    server = {"tornado_settings": {"headers": {"Content-Security-Policy": "frame-ancestors 'self'"}}}
    if the_class["instructor_unix"] == "root":
        server["allow_root"] = True
    (instructor / "jupyter_server_config.json").write_text(json.dumps({"ServerApp": server}, indent=1))
    for folder in state.joinpath("jupyter").rglob("*"):
        folder.chmod(0o755 if folder.is_dir() else 0o644)
    state.joinpath("jupyter").chmod(0o755)


def run(state: Path) -> int:
    """JupyterHub for the class in state, in the foreground; SIGINT or SIGTERM stops it, the proxy and every
    user's server (JupyterHub's cleanup), and then any process left to a student."""
    env = dict(os.environ, DLSYS_HUB_STATE=str(state.resolve()))
    hub = subprocess.Popen([str(Path(sys.executable).with_name("jupyterhub")), "-f",
                            str(REPO / "hub" / "jupyterhub_config.py")], cwd=state, env=env)

    def stop(signum, frame):
        hub.send_signal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        code = hub.wait()
    finally:
        try:
            hub.wait(timeout=60)
        except subprocess.TimeoutExpired:
            hub.kill()
        end_processes(read_class(state)["created_users"])
    return code


def end_processes(users: list[str]) -> list[int]:
    """SIGTERM, then SIGKILL, every process run by these (class-created) users; their pids."""
    import psutil
    uids = set()
    for name in users:
        try:
            uids.add(pwd.getpwnam(name).pw_uid)
        except KeyError:
            pass
    procs = [p for p in psutil.process_iter(["uids"]) if p.info["uids"] and p.info["uids"].real in uids]
    for p in procs:
        try:
            p.terminate()
        except psutil.NoSuchProcess:
            pass
    _, alive = psutil.wait_procs(procs, timeout=10)
    for p in alive:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    return [p.pid for p in procs]


def down(state: Path) -> None:
    """Remove the class: end the students' processes, delete the Unix users `up` created, put back the modes of
    the course's private paths, and remove the state folder (homes included). The exchange stays (the course's)."""
    state = state.resolve()
    if not class_file(state).is_file():
        print(f"no class in {state}: nothing to remove")
        return
    the_class = read_class(state)
    end_processes(the_class["created_users"])
    for name in the_class["created_users"]:
        subprocess.run(["userdel", name], check=False, capture_output=True)
    course = Path(the_class["course"])
    for relative, mode in the_class["protected"].items():
        if (course / relative).exists():
            (course / relative).chmod(mode)
    shutil.rmtree(state)


def main(argv: list[str] | None = None) -> int:
    """Command line: up, run or down."""
    parser = argparse.ArgumentParser(prog="hub/democlass.py", description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=["up", "run", "down"])
    parser.add_argument("--state", type=Path, default=REPO / ".hub")
    parser.add_argument("--course", type=Path, default=REPO)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--hub-port", type=int, default=8081, help="the hub's internal API (loopback)")
    parser.add_argument("--proxy-api-port", type=int, default=8001, help="the proxy's API (loopback)")
    parser.add_argument("--students", default="dlsys-student1,dlsys-student2")
    parser.add_argument("--instructor", default="instructor", help="the instructor's JupyterHub name")
    args = parser.parse_args(argv)
    try:
        if args.action == "down":
            down(args.state)
            return 0
        students = [s for s in args.students.split(",") if s]
        the_class = up(args.state, args.course, args.port, students, args.instructor, args.hub_port,
                       args.proxy_api_port)
    except ClassError as error:
        print(f"hub/democlass.py: {error}", file=sys.stderr)
        return NOT_ROOT if os.geteuid() != 0 else 2
    passwords = json.loads((args.state / "passwords.json").read_text())
    print(f"The class of {the_class['course']} on http://127.0.0.1:{the_class['port']} (passwords: "
          f"{args.state / 'passwords.json'}):")
    for name in [the_class["instructor"], *the_class["students"]]:
        print(f"  {name:<20} {passwords[name]}")
    return run(args.state) if args.action == "run" else 0


if __name__ == "__main__":
    sys.exit(main())
