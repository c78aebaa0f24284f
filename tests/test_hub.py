"""A class on JupyterHub (`make hub`, hub/): the demo class's hub on free loopback ports, driven through the hub's
REST API as each user. The instructor releases lab01 in a terminal of their server; each student logs in, fetches
it and hands it in through nbgrader's Assignments API (one with the solution written in, one blank); the instructor
collects, runs `dlsys grade` and releases the feedback; each student fetches their own. No process is left."""
from __future__ import annotations

import asyncio
import csv
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from adversarial.course_copy import LAB, NOTEBOOK, make_course, source_nb
from lab_server import _terminal_output, free_port

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("hub")]

REPO = Path(__file__).resolve().parents[1]
COURSE_ID = "dlsys-lab"


def _why_not() -> str | None:
    """The reason this machine cannot run the demo class, or None."""
    if os.geteuid() != 0:
        return "the demo class needs root: its students are Unix users (useradd) and JupyterHub runs their servers"
    if not shutil.which("useradd") or not shutil.which("userdel"):
        return "useradd/userdel not found"
    if importlib.util.find_spec("jupyterhub") is None:
        return "jupyterhub is not installed (`make hub` installs the `hub` extra)"
    if not shutil.which("npm") or not shutil.which("node"):
        return "node and npm are needed for configurable-http-proxy"
    closed = next((p for p in [Path(sys.prefix), *Path(sys.prefix).parents] if not p.stat().st_mode & 0o001), None)
    if closed is not None:
        return (f"students (other Unix users) cannot enter {closed}, so they cannot run the course's venv "
                f"{sys.prefix}: clone the course where others may enter (`chmod o+x {closed}`)")
    return None


def _install_proxy(state: Path) -> str | None:
    """configurable-http-proxy into state/node_modules from `make hub`'s copy or npm's cache; the reason if not."""
    made = REPO / ".hub" / "node_modules"
    if (made / ".bin" / "configurable-http-proxy").exists():
        shutil.copytree(made, state / "node_modules", symlinks=True)
        return None
    done = subprocess.run(["npm", "install", "--prefer-offline", "--no-audit", "--no-fund", "--prefix", str(state),
                           "configurable-http-proxy@5"], capture_output=True, text=True, timeout=120)
    if done.returncode:
        return f"configurable-http-proxy could not be installed from npm: {done.stderr.strip()[-300:]}"
    return None


class Hub:
    """The running class: base URL, passwords, course, and one API token per user."""

    def __init__(self, base: str, state: Path, course: Path, students: list[str]):
        self.base, self.state, self.course, self.students = base, state, course, students
        self.passwords = json.loads((state / "passwords.json").read_text())
        self.tokens: dict[str, str] = {}

    def login(self, name: str, password: str):
        """A browser-like session logged in through the hub's login form, and its XSRF token."""
        import requests
        session = requests.Session()
        session.get(f"{self.base}/hub/login", timeout=30).raise_for_status()
        form = {"username": name, "password": password, "_xsrf": session.cookies.get("_xsrf")}
        answer = session.post(f"{self.base}/hub/login", data=form, allow_redirects=False, timeout=30)
        xsrf = [c.value for c in session.cookies if c.name == "_xsrf"][-1]
        return answer, session, xsrf

    def start_servers(self, names: list[str]) -> None:
        """Log in as each of names, ask the hub for an API token, start their servers through the REST API (the hub
        spawns them side by side) and wait until every one is ready."""
        import requests
        for name in names:
            answer, session, xsrf = self.login(name, self.passwords[name])
            assert answer.status_code == 302, (name, answer.status_code)
            made = session.post(f"{self.base}/hub/api/users/{name}/tokens",
                                json={"note": "test_hub", "expires_in": 900}, headers={"X-XSRFToken": xsrf}, timeout=30)
            assert made.status_code == 201, made.text
            self.tokens[name] = made.json()["token"]
            started = requests.post(f"{self.base}/hub/api/users/{name}/server", headers=self.auth(name), timeout=60)
            assert started.status_code in (201, 202), f"{started.text}\n{self.log()}"
        deadline = time.monotonic() + 180
        waiting = list(names)
        while waiting and time.monotonic() < deadline:
            model = requests.get(f"{self.base}/hub/api/users/{waiting[0]}", headers=self.auth(waiting[0]),
                                 timeout=30).json()
            if model["servers"].get("", {}).get("ready"):
                waiting.pop(0)
            else:
                time.sleep(0.5)
        assert not waiting, f"servers of {waiting} did not start:\n{self.log()}"

    def auth(self, name: str) -> dict:
        """The header that makes a request name's."""
        return {"Authorization": f"token {self.tokens[name]}"}

    def call(self, name: str, method: str, path: str, **kwargs):
        """A request to name's server through the hub's proxy; its JSON."""
        import requests
        answer = requests.request(method, f"{self.base}/user/{name}{path}", headers=self.auth(name), timeout=120,
                                  **kwargs)
        assert answer.ok, (method, path, answer.status_code, answer.text[:500])
        return answer.json() if answer.content else None

    def terminal(self, name: str, command: str, timeout: float = 240) -> tuple[str, int]:
        """(output, exit status) of command in a new terminal of name's server (a shell of name's Unix user)."""
        terminal = self.call(name, "POST", "/api/terminals")["name"]
        url = f"{self.base}/user/{name}/terminals/websocket/{terminal}".replace("http", "ws", 1)
        output = asyncio.run(_terminal_output(url, f"{command}; echo EXIT=$?", timeout, self.auth(name)))
        self.call(name, "DELETE", f"/api/terminals/{terminal}")
        status = output.rsplit("EXIT=", 1)[-1].split()[0] if "EXIT=" in output else ""
        return output, int(status) if status.isdigit() else -1

    def log(self) -> str:
        """The end of the hub's log."""
        return (self.state.parent / "hub.log").read_text()[-4000:]


def _processes(root_pid: int, uids: set[int]):
    """The process root_pid, its descendants and every process of these uids, as psutil handles."""
    import psutil
    found = {}
    try:
        root = psutil.Process(root_pid)
        for p in [root, *root.children(recursive=True)]:
            found[p.pid] = p
    except psutil.NoSuchProcess:
        pass
    for p in psutil.process_iter(["uids"]):
        if p.info["uids"] and p.info["uids"].real in uids:
            found[p.pid] = p
    return list(found.values())


def _alive(processes) -> list[str]:
    """Those still running (zombies count as ended)."""
    import psutil
    left = []
    for p in processes:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                left.append(f"{p.pid} {' '.join(p.cmdline())[:120]}")
        except psutil.NoSuchProcess:
            pass
    return left


@pytest.fixture(scope="module")
def hub():
    """The demo class on a course copy holding lab01, with two students of unique names; removed afterwards,
    users and processes included."""
    reason = _why_not()
    if reason:
        pytest.skip(reason)
    import pwd
    top = Path(tempfile.mkdtemp(prefix="dlsys-hub-"))  # pytest's own folders are closed to other users
    top.chmod(0o755)  # students pass through it to their homes and the exchange
    state, course = top / "state", make_course(top / "course")
    state.mkdir()
    reason = _install_proxy(state)
    if reason:
        shutil.rmtree(top)
        pytest.skip(reason)
    tag = f"{os.getpid() % 100000:05d}"
    students = [f"dlt{tag}a", f"dlt{tag}b"]
    port = free_port()
    log = open(top / "hub.log", "w")
    process = subprocess.Popen(
        [sys.executable, str(REPO / "hub" / "democlass.py"), "run", "--state", str(state), "--course", str(course),
         "--port", str(port), "--hub-port", str(free_port()), "--proxy-api-port", str(free_port()),
         "--students", ",".join(students)],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])))
    the_hub, uids = None, set()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            try:
                import requests
                if requests.get(f"http://127.0.0.1:{port}/hub/api", timeout=5).ok:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        else:
            raise AssertionError(f"the hub did not answer:\n{(top / 'hub.log').read_text()}")
        the_hub = Hub(f"http://127.0.0.1:{port}", state, course, students)
        uids = {pwd.getpwnam(s).pw_uid for s in students}
        yield the_hub
    finally:
        started = _processes(process.pid, uids)
        process.terminate()  # democlass.py run: stops the hub, which stops every server and the proxy
        try:
            process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            process.kill()
        down = subprocess.run([sys.executable, str(REPO / "hub" / "democlass.py"), "down", "--state", str(state)],
                              capture_output=True, text=True, timeout=120)
        log.close()
        left = _alive(started)
        assert not left, f"processes left behind: {left}"
        assert down.returncode == 0, down.stderr
        for name in students:
            with pytest.raises(KeyError):
                pwd.getpwnam(name)
        assert not state.exists()
        if not os.environ.get("DLSYS_KEEP_HUB_TEST"):  # set it to look at the course and hub.log afterwards
            shutil.rmtree(top)


def test_login_needs_each_users_own_password(hub):
    student, other = hub.students
    assert hub.login(student, hub.passwords[other])[0].status_code == 403
    assert hub.login(student, "")[0].status_code == 403
    assert hub.login("nobody", hub.passwords[student])[0].status_code == 403
    assert hub.login(student, hub.passwords[student])[0].status_code == 302


def _work(nb: dict) -> dict:
    """The student's notebook with every solution cell holding the course's answer."""
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source_nb().cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    for cell in nb["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell["source"] = answers[grade_id]
    return nb


def test_release_fetch_submit_collect_grade_feedback(hub):
    worker, idler = hub.students
    instructor = "instructor"
    hub.start_servers([instructor, *hub.students])
    output, status = hub.terminal(instructor, f"nbgrader release_assignment {LAB}")
    assert status == 0, output

    for student in hub.students:
        listed = hub.call(student, "GET", "/assignments", params={"course_id": COURSE_ID})
        assert [a["assignment_id"] for a in listed["value"]] == [LAB], listed
        hub.call(student, "POST", "/assignments/fetch", data={"course_id": COURSE_ID, "assignment_id": LAB})
        path = f"/api/contents/{LAB}/{NOTEBOOK}"
        nb = hub.call(student, "GET", path)["content"]
        if student == worker:
            hub.call(student, "PUT", path, json={"type": "notebook", "format": "json", "content": _work(nb)})
        hub.call(student, "POST", "/assignments/submit", data={"course_id": COURSE_ID, "assignment_id": LAB})

    # A student's shell reaches neither the solutions nor another student's home; its Python imports the student
    # edition's dlsys_lab (stubs) and can run the course's kernel.
    probe = ("import os, dlsys_lab, ipykernel; from jupyter_client.kernelspec import KernelSpecManager; "
             "argv = KernelSpecManager().get_kernel_spec('dlsys-lab').argv; "
             "print('PACKAGE', dlsys_lab.__file__, 'KERNEL', os.access(argv[0], os.X_OK))")
    peek, _ = hub.terminal(idler, f"cat {hub.course}/source/{LAB}/{NOTEBOOK} | head -c 100; "
                                  f"ls {hub.state}/home/{worker}; python -c \"{probe}\"")
    assert peek.count("Permission denied") == 2, peek
    assert f"PACKAGE {hub.state}/edition/dlsys_lab/__init__.py KERNEL True" in peek, peek

    commands = [f"nbgrader collect --CourseDirectory.submitted_directory=collected {LAB}",
                # `dlsys grade`, through the interpreter the terminal finds: the console script's shebang names the
                # interpreter of whichever checkout last installed the venv
                f"python -m dlsys_lab grade {LAB} collected --jobs 2",
                f"python {REPO / 'hub' / 'release_feedback.py'} {LAB}"]
    outputs = []
    for command in commands:
        output, status = hub.terminal(instructor, command)
        assert status == 0, (command, output)
        outputs.append(output)

    with open(hub.course / "grades" / LAB / "grades.csv") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert set(rows) == set(hub.students)
    assert float(rows[worker]["score"]) == float(rows[worker]["max_score"]) > 0, (rows, outputs)
    assert float(rows[idler]["score"]) == 0, rows[idler]
    assert {rows[s]["status"] for s in hub.students} == {"ok"}

    for student in hub.students:
        hub.call(student, "POST", "/assignments/fetch_feedback", data={"course_id": COURSE_ID, "assignment_id": LAB})
        folders = hub.call(student, "GET", f"/api/contents/{LAB}/feedback")["content"]
        assert len(folders) == 1, folders
        pages = hub.call(student, "GET", f"/api/contents/{folders[0]['path']}")["content"]
        assert [p["name"] for p in pages] == [f"{LAB}.html"], pages
        page = hub.call(student, "GET", f"/api/contents/{pages[0]['path']}", params={"format": "text"})["content"]
        graded = (hub.course / "grades" / LAB / "feedback" / student / f"{LAB}.html").read_text()
        assert page == graded, f"{student} fetched feedback that is not theirs"
        score, most = float(rows[student]["score"]), float(rows[student]["max_score"])
        assert f"{student}: <b>{score:g} / {most:g}</b>" in page
