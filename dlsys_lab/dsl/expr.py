"""Tensor expressions: what a kernel computes, with no word on loop order (Halide's algorithm, TVM's te.compute).

`placeholder` declares an input, `compute` an output element by element from index variables, `reduce_axis` and
`sum` a reduction. Sizes are ints or `size("M")` names, fixed only when the kernel is called. Expressions print as C++.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


class Expr:
    """A scalar expression over index variables and tensor elements; arithmetic builds larger ones."""

    def __add__(self, other):
        return Binary("+", self, wrap(other))

    def __radd__(self, other):
        return Binary("+", wrap(other), self)

    def __sub__(self, other):
        return Binary("-", self, wrap(other))

    def __rsub__(self, other):
        return Binary("-", wrap(other), self)

    def __mul__(self, other):
        return Binary("*", self, wrap(other))

    def __rmul__(self, other):
        return Binary("*", wrap(other), self)

    def __truediv__(self, other):
        return Binary("/", self, wrap(other))

    def __neg__(self):
        return Binary("-", Const(0.0), self)

    def c(self) -> str:
        """This expression as C++ (index variables by name, tensors as flat row-major arrays)."""
        raise NotImplementedError


def wrap(value) -> Expr:
    """An Expr, or a Python number as a constant (an int stays an int, so it can index a tensor)."""
    if isinstance(value, Expr):
        return value
    return Const(int(value) if isinstance(value, int) else float(value))


@dataclass(frozen=True, eq=False)
class Const(Expr):
    value: float | int

    def c(self):
        return str(self.value) if isinstance(self.value, int) else f"{self.value!r}f"


@dataclass(frozen=True, eq=False)
class Binary(Expr):
    op: str
    a: Expr
    b: Expr

    def c(self):
        return f"({self.a.c()} {self.op} {self.b.c()})"


@dataclass(frozen=True, eq=False)
class Call(Expr):
    """A C++ math function of float arguments: exp, log, tanh, sqrt, max, min."""

    fn: str
    args: tuple

    def c(self):
        name = {"max": "std::max", "min": "std::min"}.get(self.fn, f"std::{self.fn}")
        return f"{name}({', '.join(a.c() for a in self.args)})"


def exp(x) -> Expr:
    """e ** x."""
    return Call("exp", (wrap(x),))


def tanh(x) -> Expr:
    """tanh(x)."""
    return Call("tanh", (wrap(x),))


def maximum(x, y) -> Expr:
    """The larger of x and y (relu is maximum(x, 0))."""
    return Call("max", (wrap(x), wrap(y)))


@dataclass(frozen=True, eq=False)
class Size:
    """A size known when the kernel is called: an int64 argument of the generated function."""

    name: str

    def c(self):
        return self.name


def size(name: str) -> Size:
    """A named size (M, N, K ...) left to the call."""
    return Size(name)


def size_c(extent) -> str:
    """An extent (int or Size) as C++."""
    return extent.c() if isinstance(extent, Size) else str(int(extent))


@dataclass(frozen=True, eq=False)
class IterVar(Expr):
    """A loop index over [0, extent): an output axis of a compute, or a reduction axis."""

    name: str
    extent: object
    reduce: bool = False

    def c(self):
        return self.name


def reduce_axis(extent, name: str) -> IterVar:
    """A reduction index over [0, extent), for sum(...)."""
    return IterVar(name, extent, reduce=True)


@dataclass(frozen=True, eq=False)
class Element(Expr):
    """tensor[i, j, ...]: an element of a placeholder, read as a flat row-major array."""

    tensor: "Tensor"
    index: tuple

    def c(self):
        flat = self.index[0].c()
        for axis, extent in zip(self.index[1:], self.tensor.shape[1:]):
            flat = f"({flat}) * {size_c(extent)} + {axis.c()}"
        return f"{self.tensor.name}[{flat}]"


@dataclass(frozen=True, eq=False)
class Tensor:
    """A named tensor of float32: an input (placeholder) or the output of a compute (with `body` and `axes`)."""

    name: str
    shape: tuple
    axes: tuple = ()
    body: Expr | None = None
    reduce_axes: tuple = ()

    def __getitem__(self, index):
        index = index if isinstance(index, tuple) else (index,)
        if len(index) != len(self.shape):
            raise IndexError(f"{self.name} has {len(self.shape)} axes, indexed with {len(index)}")
        return Element(self, tuple(wrap(i) for i in index))

    def inputs(self) -> list["Tensor"]:
        """The placeholders this compute reads, in order of first use."""
        found: dict[str, Tensor] = {}

        def walk(e):
            if isinstance(e, Element):
                found.setdefault(e.tensor.name, e.tensor)
            for child in [getattr(e, field, None) for field in ("a", "b", "body")] + list(getattr(e, "args", ())):
                if isinstance(child, Expr):
                    walk(child)

        walk(self.body)
        return list(found.values())


@dataclass(frozen=True, eq=False)
class Sum(Expr):
    """A sum over reduction axes: allowed only as the whole body of a compute."""

    body: Expr
    axes: tuple

    def c(self):
        return self.body.c()


def sum(body, axis) -> Sum:  # noqa: A001 -- the DSL's reduction, as te.sum is TVM's
    """The sum of body over one reduction axis (or a tuple of them)."""
    return Sum(wrap(body), axis if isinstance(axis, tuple) else (axis,))


def placeholder(shape, name: str) -> Tensor:
    """An input tensor of float32 with this shape (ints or sizes)."""
    return Tensor(name, tuple(shape))


def compute(shape, fn: Callable, name: str) -> Tensor:
    """The tensor whose element [i, j, ...] is fn(i, j, ...); a body sum(...) makes it a reduction."""
    axes = tuple(IterVar(axis_name, extent) for axis_name, extent in zip("ijlmnopq", shape))
    body = wrap(fn(*axes))
    reduce_axes = body.axes if isinstance(body, Sum) else ()
    return Tensor(name, tuple(shape), axes, body, reduce_axes)
