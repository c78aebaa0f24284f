"""The Validate button's reply (autograder/validate_button.py) for each outcome of `dlsys validate`."""
from autograder.validate_button import button_reply

REPORT = "PASS  test_sgd_epoch  3/3\nFAIL  test_softmax  0/2  softmax of a 5x4 batch\ntotal: 3/5 points\nsome fail"


def test_every_public_test_passing_is_nbgraders_success():
    assert button_reply(0, "PASS  a  1/1\ntotal: 1/1\nall pass", "") == {"success": True, "value": {}}


def test_a_failing_test_shows_the_whole_report_and_the_verdict():
    reply = button_reply(1, REPORT, "")
    assert reply["success"] is True
    [failed] = reply["value"]["failed"]
    assert failed["source"] == "\n".join(REPORT.splitlines()[:-1])
    assert failed["error"] == "some fail"


def test_the_verdict_is_escaped_for_the_dialog():
    assert button_reply(1, "FAIL x\n<b>", "")["value"]["failed"][0]["error"] == "&lt;b&gt;"


def test_a_command_error_is_nbgraders_error_with_the_message():
    reply = button_reply(2, "", "dlsys validate: notes.ipynb is not a lab notebook\n")
    assert reply == {"success": False, "value": "dlsys validate: notes.ipynb is not a lab notebook"}


def test_validate_refuses_a_notebook_without_tests(tmp_path, capsys):
    """A lecture or lab session has no graded tests: validate says so instead of reporting 0/0 as a pass."""
    import nbformat

    from autograder import validate

    lecture = tmp_path / "lecture.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), lecture)
    assert validate.main([str(lecture)]) == 2
    assert "has no graded tests" in capsys.readouterr().err
