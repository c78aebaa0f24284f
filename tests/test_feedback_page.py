"""Feedback a student can read: a stylesheet, a summary table, colours by outcome, rounded scores, and partial
credit that says what the test measured."""
from autograder.judge import partial_message
from autograder.protocol import NotebookResult, TestResult
from autograder.report import feedback_page, points

TESTS = [{"grade_id": "test_softmax", "points": 2.0, "score": 2.0, "message": "passed", "hidden": False,
          "source": "expect_close(softmax(z), ...)"},
         {"grade_id": "test_mlp_trains", "points": 3.0, "score": 1.0888888, "hidden": True, "source": "",
          "message": partial_message(1.0888888, 3.0, "noise\nheld-out accuracy after 10 epochs: 0.327\n")},
         {"grade_id": "test_sgd_epoch", "points": 3.0, "score": 0.0, "message": "W after one epoch: ...",
          "hidden": True, "source": ""}]


def test_scores_are_rounded():
    assert [points(v) for v in (4.36296, 2.0, 0.5, 1 / 3)] == ["4.36", "2", "0.5", "0.33"]


def test_partial_credit_says_what_was_measured():
    assert TESTS[1]["message"] == ("partial credit: 1.09 of 3 points, computed by the test from what it measured "
                                   "(noise; held-out accuracy after 10 epochs: 0.327)")
    assert partial_message(0.5, 1.0, "") == "partial credit: 0.5 of 1 points, computed by the test from what it measured"


def test_page_has_a_summary_table_and_colours():
    page = feedback_page("frank", "lab01_models", NotebookResult("lab01_models.ipynb",
                                                                 [TestResult.from_json(t) for t in TESTS]))
    assert "<style>" in page and "<b>3.09 / 8</b>" in page
    assert "<tr class='pass'><td><a href='#test_softmax'>test_softmax</a></td><td class='points'>2 / 2</td>" in page
    assert "<tr class='partial'>" in page and "<tr class='fail'>" in page
    assert "test_mlp_trains (hidden test): 1.09 / 3</h2>" in page
    assert "expect_close(softmax(z), ...)" in page
