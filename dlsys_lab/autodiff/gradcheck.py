"""gradcheck: compare an op's backward with float64 central differences along random directions.

For random u (inputs) and v (output) it checks <v, J u> (finite differences) == <J^T v, u> (backward).
"""
from __future__ import annotations

import numpy as np

from .functional import vjp
from .mode import no_grad
from .tensor import Tensor


class GradcheckError(AssertionError):
    """Raised by gradcheck when an analytic gradient disagrees with finite differences."""


def gradcheck(f, *inputs: Tensor, eps: float = 1e-6, atol: float = 1e-6, rtol: float = 1e-4,
              n_directions: int = 3, seed: int = 0) -> bool:
    """True when f's gradients match float64 central differences; otherwise raises GradcheckError naming the input."""
    rng = np.random.default_rng(seed)
    xs = [x.detach().astype("float64") if isinstance(x, Tensor) else Tensor(x, dtype="float64") for x in inputs]
    out, vjp_fn = vjp(f, *xs)
    for _ in range(n_directions):
        v = rng.standard_normal(out.shape)
        pulled_back = vjp_fn(Tensor(v, device=out.device, dtype="float64", requires_grad=False))
        for i, (x, g) in enumerate(zip(xs, pulled_back)):
            u = rng.standard_normal(x.shape)
            step = Tensor(eps * u, device=x.device, dtype="float64", requires_grad=False)
            with no_grad():
                plus = f(*[x + step if j == i else y for j, y in enumerate(xs)]).numpy()
                minus = f(*[x - step if j == i else y for j, y in enumerate(xs)]).numpy()
            numeric = float(np.sum(v * (plus - minus)) / (2 * eps))
            analytic = float(np.sum(g.numpy() * u))
            if not abs(numeric - analytic) <= atol + rtol * abs(numeric):
                raise GradcheckError(
                    f"gradcheck: input {i} (shape {x.shape}): backward gives <J^T v, u> = {analytic:.10g} but "
                    f"finite differences give <v, J u> = {numeric:.10g} (eps={eps}); check the op's backward")
    return True
