"""`make lab` serves JupyterLab on 127.0.0.1 with the course's kernels, nbgrader's extensions working (formgrader,
the Assignments panel), the venv's commands on PATH in its terminals, and no news pop-up."""
import json
import sqlite3

import pytest

import lab_server

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("make_lab")]


@pytest.fixture
def server(jupyterlab):
    """The session's `make lab` (conftest.py)."""
    return jupyterlab


def test_make_lab_serves_jupyterlab_with_the_course_kernels(server):
    kernels = server.get_json("/api/kernelspecs")["kernelspecs"]
    assert {"dlsys-lab", "mxnet-legacy"} <= set(kernels)
    assert kernels["mxnet-legacy"]["spec"]["display_name"] == "MXNet 1.9 (legacy)"
    status, page = server.get("/lab")
    assert status == 200
    config = json.loads(page.split('id="jupyter-config-data" type="application/json">')[1].split("</script>")[0])
    assert config["news"] == {"disabled": True}, "the course's jupyter/ settings turn JupyterLab's news off"
    assert "@jupyterlab/apputils-extension:announcements" in config["disabledExtensions"], "and its pop-up"
    assert "@jupyter/nbgrader:validate-assignment" not in config["disabledExtensions"], \
        "nbgrader's Validate button is on: it runs `dlsys validate` (autograder/validate_button.py)"


def test_validate_button_requests_reach_dlsys_validate(server):
    """The button's requests are answered by autograder/validate_button.py, not nbgrader's `nbgrader validate`."""
    import urllib.error
    import urllib.request
    assert server.get_json("/nbgrader_version?version=" + __import__("nbgrader").__version__)["success"] is True
    request = urllib.request.Request(server.url("/assignments/validate?path=../outside.ipynb"), method="POST", data=b"")
    try:
        urllib.request.urlopen(request, timeout=30)
        raise AssertionError("a path outside the course was validated")
    except urllib.error.HTTPError as error:
        assert error.code == 403, error
    request = urllib.request.Request(server.url("/assignments/validate?path=no/such.ipynb"), method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=120) as response:
        reply = json.load(response)
    assert reply["success"] is False and "dlsys validate: " in reply["value"] and "not found" in reply["value"], reply


def test_terminal_finds_the_course_commands(server):
    """A student types `dlsys validate ...` in JupyterLab's terminal; nbgrader runs `alembic`."""
    bin_dir = str(lab_server.ROOT / ".venv" / "bin")
    output = server.terminal("command -v dlsys alembic")
    assert f"{bin_dir}/dlsys" in output and f"{bin_dir}/alembic" in output, output


def test_formgrader_lists_the_labs_with_a_complete_gradebook(server):
    assignments = server.get_json("/formgrader/api/assignments")
    assert {a["name"] for a in assignments} >= {"lab01_models", "lab02_autodiff"}
    with sqlite3.connect(lab_server.ROOT / "gradebook.db") as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall(), "nbgrader's alembic stamp"


def test_assignments_panel_finds_the_course_exchange(server):
    courses = server.get_json("/courses")
    assert courses["success"], courses
    assignments = server.get_json("/assignments?course_id=dlsys-lab")
    assert assignments["success"], assignments
