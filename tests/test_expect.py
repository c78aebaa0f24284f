"""autograder.expect's range check: it passes exactly when every bound holds and says what it expected."""
import numpy as np
import pytest

from autograder.expect import expect_close, expect_in_range


@pytest.mark.parametrize("value, bounds, inside", [
    (0.5, dict(above=0.0, below=1.0), True),
    (0.0, dict(above=0.0), False),
    (0.0, dict(at_least=0.0), True),
    (1.0, dict(below=1.0), False),
    (1.0, dict(at_most=1.0), True),
    (np.float32(0.25), dict(above=0.2, below=0.3), True),
    (np.array([2.5]), dict(at_least=2.0), True),
    (float("nan"), dict(at_least=0.0), False),
    (float("inf"), dict(at_least=2.0), True),
])
def test_passes_exactly_when_every_bound_holds(value, bounds, inside):
    if inside:
        expect_in_range(value, "value", **bounds)
    else:
        with pytest.raises(AssertionError):
            expect_in_range(value, "value", **bounds)


def test_message_names_the_bounds_and_what_came():
    with pytest.raises(AssertionError) as failure:
        expect_in_range(1.75, "speedup over naive", "block the loops", at_least=2.0, below=100)
    assert str(failure.value) == "speedup over naive: expected a number >= 2 and < 100, got 1.75 (hint: block the loops)"


@pytest.mark.parametrize("got, says", [("fast", "expected numbers"), (None, "expected numbers"),
                                       (np.ones(3), "expected one number, got array of shape (3,)")])
def test_non_numbers_and_arrays_fail_saying_what_came(got, says):
    with pytest.raises(AssertionError, match=r"accuracy: " + says.replace("(", r"\(").replace(")", r"\)")):
        expect_in_range(got, "accuracy", at_least=0.0)


def test_no_bound_is_an_error():
    with pytest.raises(ValueError, match="needs a bound"):
        expect_in_range(1.0, "value")


def test_none_is_not_read_as_nan():
    with pytest.raises(AssertionError, match="gradient: expected numbers, got None"):
        expect_close(None, np.zeros(2), "gradient")
