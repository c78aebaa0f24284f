"""The typed contract of every process boundary of the grader: what the command hands a worker (`Task`), what a
worker hands back (`SubmissionResult` of `NotebookResult`s of `TestResult`s), what the judge asks the sandbox
template (`SandboxStart`) and how the sandbox reports an error (`CellError`). Each has `to_json` and `from_json`;
a status is a `Status` and its detail, never a string to parse. `from_json` checks types, so a malformed message
is a ValueError, not a wrong grade."""
from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field

from autograder.sandbox import Limits


class Status(enum.Enum):
    """What happened to a notebook or a submission; the detail beside it says where and why."""
    OK = "ok"
    TIMEOUT = "timeout"        # a cell, or the notebook, ran over its time
    MEMORY = "memory"          # student code ran out of memory
    OUTPUT = "output"          # too much output, or a reply over the size limit
    STORAGE = "storage"        # the sandbox's /tmp is full
    CRASHED = "crashed"        # the student's process died or broke the protocol
    COMPILE = "compile"        # a solution cell (or the C++ written in it) does not compile
    ERROR = "error"            # could not be graded: corrupt notebook, bad zip, no notebook found
    GRADER = "grader error"    # the grader itself failed (judge died, ran out of time or memory)

    def text(self, detail: str = "") -> str:
        """The status as grades.csv and feedback write it: `ok`, or `kind: detail`."""
        return self.value if self is Status.OK else f"{self.value}: {detail}"

    @property
    def graded(self) -> bool:
        """False for the statuses under which nothing was graded."""
        return self not in (Status.ERROR, Status.GRADER)


def _typed(data, kind, what: str):
    if not isinstance(data, kind) or (kind in (int, float) and isinstance(data, bool)):
        raise ValueError(f"{what}: expected {kind.__name__}, got {type(data).__name__}")
    return data


def _number(data, what: str) -> float:
    if isinstance(data, bool) or not isinstance(data, (int, float)):
        raise ValueError(f"{what}: expected a number, got {type(data).__name__}")
    return float(data)


def _strings(data, what: str) -> dict[str, str]:
    _typed(data, dict, what)
    return {_typed(k, str, what): _typed(v, str, what) for k, v in data.items()}


def _limits(data) -> Limits:
    defaults = Limits()
    _typed(data, dict, "limits")
    unknown = set(data) - {f.name for f in dataclasses.fields(Limits)}
    if unknown:
        raise ValueError(f"limits: unknown fields {sorted(unknown)}")
    return Limits(**{k: type(getattr(defaults, k))(_number(v, k)) for k, v in data.items()})


@dataclass
class Task:
    """One submission to grade: the course's notebooks, the student's copies (by notebook name), the limits,
    whether to confine it, and the confinement's JSON fields (`launcher.conf_fields`; the uid is the worker's)."""
    task_id: str
    source_notebooks: dict[str, str]
    student_notebooks: dict[str, str]
    limits: Limits = field(default_factory=Limits)
    sandbox: bool = True
    conf: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        """JSON-able form."""
        return {"task_id": self.task_id, "source_notebooks": dict(self.source_notebooks),
                "student_notebooks": dict(self.student_notebooks), "limits": dataclasses.asdict(self.limits),
                "sandbox": self.sandbox, "conf": dict(self.conf)}

    @classmethod
    def from_json(cls, data: dict) -> "Task":
        """The task a JSON message describes (ValueError when it is malformed)."""
        _typed(data, dict, "task")
        return cls(_typed(data["task_id"], str, "task_id"), _strings(data["source_notebooks"], "source_notebooks"),
                   _strings(data["student_notebooks"], "student_notebooks"), _limits(data["limits"]),
                   _typed(data["sandbox"], bool, "sandbox"), _typed(data.get("conf", {}), dict, "conf"))


@dataclass
class TestResult:
    """The outcome of one graded test cell."""
    __test__ = False          # not a pytest class
    grade_id: str
    points: float
    score: float
    message: str
    hidden: bool
    source: str = ""          # only for public tests; hidden test source never leaves the judge

    def to_json(self) -> dict:
        """JSON-able form."""
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "TestResult":
        """The test result a JSON message describes (ValueError when it is malformed)."""
        _typed(data, dict, "test result")
        return cls(_typed(data["grade_id"], str, "grade_id"), _number(data["points"], "points"),
                   _number(data["score"], "score"), _typed(data["message"], str, "message"),
                   _typed(data["hidden"], bool, "hidden"), _typed(data.get("source", ""), str, "source"))


@dataclass
class NotebookResult:
    """Every test of one notebook, with its status and the status's detail, and problems noted on the way."""
    notebook: str
    tests: list[TestResult] = field(default_factory=list)
    status: Status = Status.OK
    detail: str = ""
    problems: list[str] = field(default_factory=list)

    def set_status(self, status: Status, detail: str) -> None:
        """Record a status unless one is recorded already (the first cause is the one named)."""
        if self.status is Status.OK:
            self.status, self.detail = status, detail

    @property
    def status_text(self) -> str:
        """The status in words, as feedback and grades.csv write it."""
        return self.status.text(self.detail)

    def to_json(self) -> dict:
        """JSON-able form."""
        return {"notebook": self.notebook, "tests": [t.to_json() for t in self.tests],
                "status": self.status.value, "detail": self.detail, "problems": list(self.problems)}

    @classmethod
    def from_json(cls, data: dict) -> "NotebookResult":
        """The notebook result a JSON message describes (ValueError when it is malformed)."""
        _typed(data, dict, "notebook result")
        return cls(_typed(data["notebook"], str, "notebook"),
                   [TestResult.from_json(t) for t in _typed(data["tests"], list, "tests")],
                   Status(data["status"]), _typed(data["detail"], str, "detail"),
                   [_typed(p, str, "problem") for p in _typed(data["problems"], list, "problems")])


@dataclass
class SubmissionResult:
    """What grading one task gave: its notebooks' results, or a status saying why it could not be graded."""
    task_id: str
    notebooks: list[NotebookResult] = field(default_factory=list)
    status: Status = Status.OK        # OK, ERROR (the submission) or GRADER (the grader)
    detail: str = ""

    @property
    def graded(self) -> bool:
        """True when the submission was graded (its notebooks carry their own statuses)."""
        return self.status.graded

    @property
    def status_text(self) -> str:
        """Why the submission was not graded, as grades.csv writes it (always starting `error: `)."""
        text = self.status.text(self.detail)
        return f"error: {text}" if self.status is Status.GRADER else text

    def scores(self) -> dict[str, float]:
        """The score of every test, by grade id."""
        return {t.grade_id: t.score for nb in self.notebooks for t in nb.tests}

    def to_json(self) -> dict:
        """JSON-able form."""
        return {"task_id": self.task_id, "notebooks": [nb.to_json() for nb in self.notebooks],
                "status": self.status.value, "detail": self.detail}

    @classmethod
    def from_json(cls, data: dict) -> "SubmissionResult":
        """The result a JSON message describes (ValueError when it is malformed)."""
        _typed(data, dict, "submission result")
        return cls(_typed(data["task_id"], str, "task_id"),
                   [NotebookResult.from_json(nb) for nb in _typed(data["notebooks"], list, "notebooks")],
                   Status(data["status"]), _typed(data["detail"], str, "detail"))


@dataclass
class SandboxStart:
    """The judge's request to the sandbox template: a sandbox for the notebook in `folder`, with the submission's
    other files (their names here, their bytes as the frame's blobs)."""
    folder: str
    limits: Limits
    sandbox: bool
    conf: dict
    names: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        """JSON-able form (with the op the template dispatches on)."""
        return {"op": "start", "folder": self.folder, "limits": dataclasses.asdict(self.limits),
                "sandbox": self.sandbox, "conf": dict(self.conf), "names": list(self.names)}

    @classmethod
    def from_json(cls, data: dict) -> "SandboxStart":
        """The request a JSON message describes (ValueError when it is malformed)."""
        _typed(data, dict, "sandbox start")
        names = [_typed(n, str, "name") for n in _typed(data["names"], list, "names")]
        return cls(_typed(data["folder"], str, "folder"), _limits(data["limits"]),
                   _typed(data["sandbox"], bool, "sandbox"), _typed(data["conf"], dict, "conf"), names)


@dataclass(frozen=True)
class CellError:
    """An exception the student's code raised, as the sandbox reports it: its type's name and its message.
    Both are the student's text; from_json bounds them and accepts anything, since the sandbox is untrusted."""
    type: str = "Error"
    message: str = ""

    def to_json(self) -> dict:
        """JSON-able form."""
        return {"type": self.type, "message": self.message}

    @classmethod
    def from_json(cls, data) -> "CellError":
        """The error a sandbox reply carries, truncated; anything malformed becomes a nameless error."""
        data = data if isinstance(data, dict) else {}
        return cls(str(data.get("type", "Error"))[:100], str(data.get("message", ""))[:2000])
