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
