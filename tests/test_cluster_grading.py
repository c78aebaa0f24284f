"""`dlsys grade --cluster ADDRESS` on a local Dask cluster of 2 workers that the test starts and stops: grades.csv,
feedback and the gradebook are those of local grading, byte for byte; a worker killed while it grades a
submission has that submission graded by the other worker, once."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from adversarial.course_copy import LAB, NOTEBOOK, REPO, make_course, release_nb, solution_of, source_nb, with_cells

pytest.importorskip("distributed")
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("autograder_cluster"),
              pytest.mark.skipif("not __import__('autograder.sandbox').sandbox.available()",
                                 reason="no sandbox on this machine (`dlsys doctor`): neither root nor user namespaces")]
SLOW_S = 15          # the slow student's own cell sleeps this long: long enough to be caught mid-submission
OPTIONS = ("--quiet", "--force", "--timeout", "60", "--notebook-timeout", "240", "--memory", "1024")


def write_submissions(subs: Path) -> None:
    """Four students: the solution, the blank notebook, a wrong softmax (partial), the solution after a sleep."""
    (subs / "honest").mkdir(parents=True)
    nbformat.write(source_nb(), subs / "honest" / NOTEBOOK)
    nbformat.write(release_nb(), subs / "blank.ipynb")
    wrong = solution_of("softmax").replace("axis=1", "axis=0")
    assert wrong != solution_of("softmax")
    nbformat.write(with_cells(source_nb(), {"softmax": wrong}), subs / "partial.ipynb")
    slow = source_nb()
    slow.cells.insert(1, nbformat.v4.new_code_cell(f"import time\ntime.sleep({SLOW_S})"))
    nbformat.write(slow, subs / "slow.ipynb")


def env() -> dict:
    """This repository first on PYTHONPATH, for the grader and the Dask workers."""
    return dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))


def grade_command(course: Path, subs: Path, *extra: str) -> list[str]:
    """The dlsys grade command line for the course copy."""
    return [sys.executable, "-m", "dlsys_lab", "--course", str(course), "grade", LAB, str(subs), *OPTIONS, *extra]


def outputs(course: Path) -> dict[str, bytes]:
    """grades.csv and every feedback file, by path."""
    out = course / "grades" / LAB
    files = [out / "grades.csv", *sorted((out / "feedback").rglob("*.html"))]
    return {str(p.relative_to(out)): p.read_bytes() for p in files}


def gradebook_scores(course: Path) -> dict:
    """Every (student, notebook, test) -> auto score in nbgrader's gradebook."""
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {(student.id, nb.name, grade.name): grade.auto_score for student in gradebook.students
                for nb in gradebook.find_submission(LAB, student.id).notebooks for grade in nb.grades}


@pytest.fixture(scope="module")
def courses(tmp_path_factory):
    """The same submissions graded locally (--jobs 2), then on a fresh 2-worker cluster, then on another one whose
    worker grading the slow student is killed; yields the three course folders and what the kill saw."""
    subs = tmp_path_factory.mktemp("subs")
    write_submissions(subs)
    local, cluster, killed = (make_course(tmp_path_factory.mktemp(name)) for name in ("local", "cluster", "killed"))
    run = subprocess.run(grade_command(local, subs, "--jobs", "2"), capture_output=True, text=True, env=env())
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    from autograder.cluster import local_cluster
    with local_cluster(2, env()) as (address, _):
        run = subprocess.run(grade_command(cluster, subs, "--cluster", address), capture_output=True, text=True,
                             env=env())
        assert "Traceback" not in run.stderr, run.stderr[-3000:]
    with local_cluster(2, env()) as (address, pids):
        seen = grade_killing_a_worker(grade_command(killed, subs, "--cluster", address), address, pids)
    yield local, cluster, killed, seen, pids


def grade_killing_a_worker(command: list[str], address: str, pids: dict[str, int]) -> dict:
    """Run the grading command; as soon as a worker is grading the slow student, SIGKILL that worker's process."""
    from distributed import Client
    grading = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env())
    seen = {}
    with Client(address, timeout=30) as client:
        give_up = time.monotonic() + 300
        while not seen and grading.poll() is None and time.monotonic() < give_up:
            for worker, keys in client.processing().items():
                if any(str(key).startswith("dlsys-grade-slow-") for key in keys):
                    time.sleep(SLOW_S / 3)             # inside the submission (its sandbox is running), not before
                    os.kill(pids[worker], signal.SIGKILL)
                    seen = {"worker": worker, "pid": pids[worker]}
                    break
            time.sleep(0.2)
    out, err = grading.communicate(timeout=600)
    assert grading.returncode == 0 and "Traceback" not in err, err[-3000:]
    return dict(seen, stdout=out)


def test_cluster_grading_equals_local_grading(courses):
    local, cluster, *_ = courses
    expected = outputs(local)
    for full_marks in (b"honest,lab01_models,20.0", b"slow,lab01_models,20.0"):
        assert full_marks in expected["grades.csv"]
    assert 0 < float(expected["grades.csv"].decode().split("partial,lab01_models,")[1].split(",")[0]) < 20
    assert outputs(cluster) == expected
    assert gradebook_scores(cluster) == gradebook_scores(local)


def test_a_killed_workers_submission_is_graded_elsewhere_once(courses):
    local, _, killed, seen, pids = courses
    assert seen, "no worker was seen grading the slow student"
    with pytest.raises(ProcessLookupError):
        os.kill(seen["pid"], 0)                        # the worker that had the slow student is dead
    assert outputs(killed) == outputs(local)           # every student once, the slow one with full marks
    assert gradebook_scores(killed) == gradebook_scores(local)
