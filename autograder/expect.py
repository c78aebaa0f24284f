"""Checks for test cells that fail with a readable message: what was checked, expected against got,
and a hint. They run in the grader's own process, never in the student's."""
from __future__ import annotations

import numpy as np


def describe(value) -> str:
    """A short description of a value for a failure message."""
    if isinstance(value, np.ndarray):
        flat = np.array2string(value.ravel()[:4], precision=4, separator=", ")
        return f"array of shape {value.shape} starting {flat}"
    text = repr(value)
    return text if len(text) < 80 else text[:77] + "..."


def _fail(what: str, detail: str, hint: str):
    raise AssertionError(f"{what}: {detail}" + (f" (hint: {hint})" if hint else ""))


def as_float_array(got, what: str, hint: str = "") -> np.ndarray:
    """got as a float64 array, or a failure saying what came back instead."""
    if got is None:  # NumPy would read None as nan
        _fail(what, "expected numbers, got None", hint)
    try:
        array = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        _fail(what, f"expected numbers, got {describe(got)}", hint)
    return array


def expect_close(got, expected, what: str, hint: str = "", rtol: float = 1e-6, atol: float = 1e-8) -> None:
    """Fail unless got matches expected elementwise (same shape, all finite, within tolerance)."""
    expected = np.asarray(expected, dtype=np.float64)
    got_array = as_float_array(got, what, hint)
    if got_array.shape != expected.shape:
        _fail(what, f"expected shape {expected.shape}, got shape {got_array.shape}", hint)
    if not np.all(np.isfinite(got_array)):
        _fail(what, f"expected finite values, got {int((~np.isfinite(got_array)).sum())} nan/inf entries", hint)
    if not np.allclose(got_array, expected, rtol=rtol, atol=atol):
        error = np.abs(got_array - expected)
        worst = np.unravel_index(np.argmax(error), error.shape)
        _fail(what, f"expected {expected[worst]:.6g}, got {got_array[worst]:.6g} at index {tuple(map(int, worst))}"
                    f" (max abs difference {error.max():.3g})", hint)


def expect_equal(got, expected, what: str, hint: str = "") -> None:
    """Fail unless got == expected for plain values."""
    if type(got) is not type(expected) or got != expected:
        _fail(what, f"expected {describe(expected)}, got {describe(got)}", hint)


def expect_in_range(got, what: str, hint: str = "", *, above=None, at_least=None, below=None,
                    at_most=None) -> None:
    """Fail unless got is one number within every bound given (at least one): above < got, at_least <= got,
    got < below, got <= at_most."""
    bounds = [(sign, float(bound)) for sign, bound in ((">", above), (">=", at_least), ("<", below), ("<=", at_most))
              if bound is not None]
    if not bounds:
        raise ValueError("expect_in_range needs a bound: above, at_least, below or at_most")
    array = as_float_array(got, what, hint)
    if array.size != 1:
        _fail(what, f"expected one number, got {describe(got)}", hint)
    value = float(array.ravel()[0])
    inside = {">": value.__gt__, ">=": value.__ge__, "<": value.__lt__, "<=": value.__le__}
    if not all(inside[sign](bound) for sign, bound in bounds):
        wanted = " and ".join(f"{sign} {bound:.8g}" for sign, bound in bounds)
        _fail(what, f"expected a number {wanted}, got {value:.8g}", hint)


def numerical_grad(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central finite differences of a scalar function f at x, in float64."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + eps
        upper = f(x)
        x[index] = saved - eps
        lower = f(x)
        x[index] = saved
        grad[index] = (upper - lower) / (2 * eps)
    return grad
