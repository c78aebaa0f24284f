"""What students and instructors meet in the browser, in real Chromium (Playwright driving Debian's chromium) against
the session's `make lab`: a lecture opens unmodified, runs without error or stderr boxes, its widgets render with
their labels in full and redraw when moved; formgrader lists the labs. Screenshots go to build/screenshots/."""
import importlib.util
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "build" / "screenshots"
LECTURE = "lectures/02_autodiff.ipynb"
MISSING = [what for what, there in [("chromium (apt-get install -y chromium)", Path(CHROMIUM).exists()),
                                    ("playwright (.venv/bin/pip install playwright)",
                                     importlib.util.find_spec("playwright") is not None)] if not there]

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("make_lab"),
              pytest.mark.skipif(bool(MISSING), reason="browser tests need " + " and ".join(MISSING)
                                 + "; `make test` installs both when run as root")]


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Playwright cannot download a browser of its own here: the system's is used)."""
    from playwright.sync_api import sync_playwright
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {SCREENSHOTS}")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh page; page.errors collects console errors and uncaught exceptions."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    tab.errors = []
    tab.on("console", lambda message: tab.errors.append(message.text) if message.type == "error" else None)
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    yield tab
    context.close()


def open_notebook(page, jupyterlab, path: str):
    """Open a notebook in JupyterLab and wait for its kernel; returns nothing, the panel is current."""
    page.goto(jupyterlab.url(f"/lab/tree/{path}?reset"))
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60_000)
    page.wait_for_function("() => window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel"
                           "?.status === 'idle'", timeout=120_000)
    page.wait_for_timeout(1000)   # the kernel's language_info reaches the notebook's metadata


def run_all(page, timeout_ms: int = 300_000) -> None:
    """JupyterLab's Run All, until every cell has run."""
    page.evaluate("() => { window.__dlsysRan = false; window.jupyterapp.commands.execute('notebook:run-all-cells')"
                  ".then(() => { window.__dlsysRan = true; }); }")
    page.wait_for_function("() => window.__dlsysRan && window.jupyterapp.shell.currentWidget.sessionContext"
                           ".session.kernel.status === 'idle'", timeout=timeout_ms)


def widget_images(page) -> list[str]:
    """The sources of the images the widgets' outputs show (matplotlib figures as PNG)."""
    return page.eval_on_selector_all(".widget-output img, .jupyter-widgets-output-area img",
                                     "images => images.map(i => i.src)")


def test_a_lecture_runs_clean_and_its_widgets_redraw(page, jupyterlab):
    open_notebook(page, jupyterlab, LECTURE)
    assert not page.evaluate("() => window.jupyterapp.shell.currentWidget.context.model.dirty"), \
        "the notebook opens marked unsaved (incomplete language_info)"
    settings = jupyterlab.get_json("/lab/api/settings/@jupyterlab/docmanager-extension:plugin")["settings"]
    assert settings["autosave"] is False, "a test run must never save its outputs into the course's notebooks"
    assert "official Jupyter news" not in page.content(), "the news pop-up is off for the course"
    run_all(page)
    page.screenshot(path=SCREENSHOTS / "lecture02-run-all.png", full_page=False)
    stderr = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    assert stderr.count() == 0, "stderr or error boxes: " + " | ".join(stderr.all_inner_texts())[:2000]
    assert "Error displaying widget" not in page.content()
    cut = page.eval_on_selector_all(".widget-label", "labels => labels.filter(l => l.offsetParent && "
                                    "l.scrollWidth > l.clientWidth + 1).map(l => l.textContent)")
    assert cut == [], f"widget labels cut: {cut}"
    slider = page.locator(".widget-slider .noUi-handle, .widget-slider .slider-handle").first
    slider.scroll_into_view_if_needed()
    before = widget_images(page)
    assert before, "the widgets show a figure"
    slider.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("before => { const now = [...document.querySelectorAll('.widget-output img, "
                           ".jupyter-widgets-output-area img')].map(i => i.src); return now.join() !== before.join(); }",
                           arg=before, timeout=30_000)
    slider.screenshot(path=SCREENSHOTS / "lecture02-slider-moved.png")
    page.screenshot(path=SCREENSHOTS / "lecture02-after-widget-move.png")
    assert page.errors == [], f"browser console errors: {page.errors}"


def test_formgrader_lists_the_labs(page, jupyterlab):
    page.goto(jupyterlab.url("/formgrader"))
    page.wait_for_selector("td >> text=lab10_hpo_uq", timeout=60_000)
    assert page.locator("td >> text=lab01_models").count() == 1
    assert not page.locator("text=Loading, please wait").is_visible()
    page.screenshot(path=SCREENSHOTS / "formgrader-assignments.png")
    assert page.errors == [], f"browser console errors: {page.errors}"


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory):
    """A course copy where lab01 was graded for frank, whose only mistake is softmax, served by JupyterLab."""
    import nbformat

    import lab_server
    from adversarial.course_copy import LAB, dlsys, make_course, solution_of, source_nb, with_cells
    course = make_course(tmp_path_factory.mktemp("course"))
    subs = tmp_path_factory.mktemp("subs")
    wrong = solution_of("softmax").split("### BEGIN SOLUTION")[0] + (
        "### BEGIN SOLUTION\n    exps = np.exp(logits)\n    return exps / exps.sum(axis=0, keepdims=True)\n")
    nbformat.write(with_cells(source_nb(), {"softmax": wrong}), subs / "frank.ipynb")
    graded = dlsys(course, "grade", LAB, subs, "--quiet", *([] if __import__("autograder.sandbox").sandbox
                                                             .available() else ["--no-sandbox"]))
    assert graded.returncode == 0, graded.stderr
    server = lab_server.start(course)
    yield server
    server.stop()


def test_formgrader_shows_a_graded_submission_and_its_notebook(page, graded_course):
    page.goto(graded_course.url("/lab"))          # logs in (the token becomes a cookie for formgrader's requests)
    page.goto(graded_course.base + "/formgrader/manage_submissions/lab01_models")
    row = page.locator("tr", has_text="frank")
    row.wait_for(timeout=60_000)
    assert "16 / 20" in row.inner_text(), row.inner_text()
    page.screenshot(path=SCREENSHOTS / "formgrader-submissions.png")
    page.goto(graded_course.base + "/formgrader/gradebook/lab01_models/lab01_models")
    page.locator("a.name-hidden", has_text="Submission #1").click()   # names are hidden while grading
    page.wait_for_selector("text=test_softmax: 0 / 2 points. softmax of a 5x4 batch", timeout=60_000)
    page.wait_for_selector("text=test_sgd_epoch: 3 / 3 points. passed")
    page.screenshot(path=SCREENSHOTS / "formgrader-notebook-view.png", full_page=False)
    offline = ("ERR_NAME_NOT_RESOLVED", "MathJax is not defined")   # formgrader's view loads MathJax from a CDN
    assert [e for e in page.errors if not any(o in e for o in offline)] == [], page.errors
