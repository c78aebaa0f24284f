"""The trusted side of grading one notebook: solution cells run in the sandbox, test cells run here
against the judge's own oracles, and points are decided here from what the test code computes."""
from __future__ import annotations

import ast
import builtins
import contextlib
import io
import math
import traceback

from autograder import cascade, cells
from autograder.protocol import NotebookResult, Status, TestResult
from autograder.references import SANDBOX_HOOK
from autograder.remote import REPLY_FAILURES, Remote, SandboxGone, StudentError

SYNTAX_ERRORS = ("SyntaxError", "IndentationError", "TabError")


class _SandboxReferences:
    """The judge's side of autograder.references: the names a test rebinds are rebound in the sandbox too, to the
    references of the same names (author cells defined them there), and restored after the block."""

    def __init__(self, remote: Remote):
        self.remote = remote

    def rebind(self, names: dict[str, str]) -> None:
        pairs = {name: ref for name, ref in names.items() if name.isidentifier() and ref.isidentifier()}
        saved = ", ".join(f"{name!r}: globals().get({name!r})" for name in pairs)
        code = "\n".join([f"globals().setdefault('__dlsys_saved__', []).append({{{saved}}})"]
                         + [f"{name} = {ref}" for name, ref in pairs.items()])
        self.remote.run(code, "the reference versions a test uses")

    def restore(self) -> None:
        self.remote.run("globals().update(__dlsys_saved__.pop())", "the reference versions a test uses")


class _Magics:
    """get_ipython() inside the judge: author cells' magics do nothing there."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def student_cells(student_nb) -> tuple[dict[str, str], dict[str, list[str]], list[str]]:
    """Solution sources by grade id; the student's own cells (code cells without nbgrader metadata) by the
    grade id of the next cell that has one ("" for those after the last), as nbgrader would run them in
    notebook order; and problems found (duplicates)."""
    sources: dict[str, str] = {}
    added: dict[str, list[str]] = {}
    pending: list[str] = []
    problems = []
    for cell in student_nb.cells:
        if cell.get("cell_type") != "code":
            continue
        grade_id = cells.nbgrader_meta(cell).get("grade_id")
        if grade_id is None:
            pending.append(cell.get("source", ""))
            continue
        if grade_id in sources:
            problems.append(f"cell '{grade_id}' appears twice; the first copy was graded")
            continue
        sources[grade_id] = cell.get("source", "")
        added[grade_id], pending = pending, []
    added[""] = pending
    return sources, added, problems


def grade_notebook(name: str, source_nb, student_nb, remote: Remote) -> NotebookResult:
    """Grade student_nb against the trusted source_nb through the sandbox behind remote."""
    result = NotebookResult(name)
    answers, added, result.problems = student_cells(student_nb)
    answer_names = set().union(*[cells.bound_names(c.source) for c in source_nb.cells
                                 if cells.role(c) == cells.SOLUTION])
    namespace = {"__name__": "__main__", "__builtins__": __builtins__, "get_ipython": _Magics,
                 SANDBOX_HOOK: _SandboxReferences(remote)}
    unbuilt: dict[str, str] = {}   # name a solution cell binds -> why that cell did not run (it does not compile)
    tests = {t.grade_id: t for t in cells.test_cells(source_nb)}
    dependencies, failing = cascade.Dependencies.of(source_nb), {}
    try:
        for cell in source_nb.cells:
            kind, grade_id = cells.role(cell), cells.nbgrader_meta(cell).get("grade_id", "")
            for index, code in enumerate(added.get(grade_id, []) if grade_id else []):
                _run_student_cell(code, f"your cell {index + 1} before '{grade_id}'", remote, result)
            if kind == cells.SOLUTION:
                reason = _run_solution(grade_id, answers, remote, result)
                unbuilt.update(dict.fromkeys(cells.bound_names(cell.source), reason) if reason else {})
            elif kind == cells.AUTHOR:
                remote.run(cell.source, f"cell '{grade_id or 'setup'}'")
                _fetch_answers(cell.source, answer_names, namespace, remote)
                _exec_author(cell.source, namespace)
            elif kind == cells.TEST:
                remote.hidden = tests[grade_id].hidden
                _fetch_answers(cell.source, answer_names, namespace, remote)
                outcome = run_test(tests[grade_id], namespace, unbuilt)
                if outcome.score < outcome.points:
                    outcome.message += cascade.note(dependencies.behind(cell.source), failing)
                    failing.update({g: grade_id for g in dependencies.named_by(cell.source) if g not in failing})
                result.tests.append(outcome)
                remote.hidden = False
                if grade_id not in answers:
                    result.problems.append(f"test cell '{grade_id}' was missing; the course copy was used")
        if remote.notice:
            result.set_status(*remote.notice)
    except SandboxGone as gone:
        result.status, result.detail = gone.status, gone.detail
        done = {t.grade_id for t in result.tests}
        result.tests += [TestResult(t.grade_id, t.points, 0.0, f"not run: {gone.cause}", t.hidden)
                         for t in tests.values() if t.grade_id not in done]
    return result


def _run_solution(grade_id, answers, remote, result) -> str:
    """Run a solution cell; returns why it did not run when it does not compile ("" otherwise)."""
    if grade_id not in answers:
        result.problems.append(f"solution cell '{grade_id}' is missing")
        return ""
    return _run_student_cell(answers[grade_id], f"cell '{grade_id}'", remote, result)


def _run_student_cell(code: str, what: str, remote, result) -> str:
    """Run student code in the sandbox; a cause worth naming becomes the notebook's status (the first one).
    Returns the reason when the code does not compile ("" otherwise)."""
    error = remote.run(code, what)
    if error and error.type in SYNTAX_ERRORS:
        reason = f"{what} does not compile: {error.type}: {error.message}"
        result.set_status(Status.COMPILE, reason)
        return reason
    if error:  # what the student's exception says is only the student's text: it names a status, never sets points
        if "MemoryError" in error.type:
            result.set_status(Status.MEMORY, f"{what} ran out of memory ({error.type})")
        elif "File too large" in error.message:
            result.set_status(Status.OUTPUT, f"{what} wrote more than the output limit")
        elif "No space left on device" in error.message:
            result.set_status(Status.STORAGE, f"{what} filled the sandbox's temporary storage (/tmp, limited in size)")
        elif error.type == "CompileError":  # C++ written in the notebook (lab05_kernels): its first error
            first = (error.message.splitlines()[1:] or [error.message])[0]
            result.set_status(Status.COMPILE, f"{what} did not compile: {first}")
    return ""


def _fetch_answers(source: str, answer_names: set[str], namespace: dict, remote: Remote) -> None:
    """Bind each student answer the cell reads to a fresh value or proxy from the sandbox."""
    for name in sorted(cells.read_names(source) & answer_names):
        try:
            namespace[name] = remote.value({"op": "get", "name": name}, name)
        except StudentError:
            namespace.pop(name, None)


def _exec_author(source: str, namespace: dict) -> None:
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            exec(compile(cells.python_source(source), "<author cell>", "exec"), namespace)
    except SandboxGone:
        raise
    except Exception:
        pass  # a student answer broke the author's code; the tests that need it will say so


def run_test(test: cells.TestCell, namespace: dict, unbuilt: dict[str, str] | None = None) -> TestResult:
    """Run one test cell in the judge; points from its outcome or from its last expression's value. unbuilt names
    the student's functions whose cell does not compile, so a test that needs one says so."""
    code = cells.python_source(test.source)
    tree = ast.parse(code)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    filename = f"<test {test.grade_id}>"
    shown = "" if test.hidden else test.source
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(io.StringIO()):
            exec(compile(tree, filename, "exec"), namespace)
            value = eval(compile(ast.Expression(last.value), filename, "eval"), namespace) if last else None
    except SandboxGone:
        raise
    except Exception as exc:
        missing = getattr(exc, "name", None) if isinstance(exc, NameError) else None
        message = (f"not run: {unbuilt[missing]}" if missing in (unbuilt or {})
                   else failure_message(exc, code, filename, test.hidden))
        return TestResult(test.grade_id, test.points, 0.0, message, test.hidden, shown)
    score = partial_credit(value, test.points)
    message = "passed" if score == test.points else partial_message(score, test.points, printed.getvalue())
    return TestResult(test.grade_id, test.points, score, message, test.hidden, shown)


def partial_message(score: float, points: float, printed: str) -> str:
    """What feedback says about partial credit: the points, and what the test printed about its measurement
    (its last lines; a course author prints there what the score was computed from)."""
    measured = "; ".join(line.strip() for line in printed.strip().splitlines()[-3:] if line.strip())[:300]
    return (f"partial credit: {round(score, 2):g} of {points:g} points, computed by the test from what it measured"
            + (f" ({measured})" if measured else ""))


def partial_credit(value, points: float) -> float:
    """nbgrader's rule, computed by the judge: a number in [0, points] is the score, else full points."""
    import numbers
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        try:
            number = float(value)
        except (OverflowError, ValueError, TypeError):
            return points
        if math.isfinite(number) and 0 <= number <= points:
            return number
    return points


def failure_message(exc: Exception, code: str, filename: str, hidden: bool) -> str:
    """What feedback says about a failed test. For a failure in a hidden part only "a hidden check failed
    (Type)": no message, no request, and a student's own exception class is not named (its name is the
    student's text)."""
    failed_at = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    if hidden and _in_hidden_part(failed_at, code):
        kind = exc.kind if isinstance(exc, StudentError) else type(exc).__name__
        named = kind in REPLY_FAILURES or _is_builtin_exception(kind)
        return f"a hidden check failed ({kind if named else 'an exception of your own'})"
    if isinstance(exc, StudentError):
        return str(exc)
    if not isinstance(exc, AssertionError):
        return f"{type(exc).__name__}: {exc}"
    if exc.args and str(exc.args[0]):
        return str(exc.args[0])
    line = code.splitlines()[failed_at[-1] - 1].strip() if failed_at else "assert"
    return f"check failed: {line}"


def _in_hidden_part(failed_at: list[int], code: str) -> bool:
    begin = next((i + 1 for i, line in enumerate(code.splitlines()) if line.strip() == cells.HIDDEN_BEGIN), 0)
    return not failed_at or failed_at[-1] > begin


def _is_builtin_exception(name: str) -> bool:
    value = getattr(builtins, name, None)
    return isinstance(value, type) and issubclass(value, BaseException)
