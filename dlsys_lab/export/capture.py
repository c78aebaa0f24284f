"""Graph capture side by side: one small MLP captured by dlsys_lab's tracer, torch.fx, torch.export, jax.make_jaxpr
and tf.function, with node counts and op vocabularies; and what each capture does with data-dependent control flow
and with a batch size it has not seen (shown by running it, not by saying so).

Each framework is imported only when its capture runs; `captures()` skips a framework that is not installed.
"""
from __future__ import annotations

import contextlib
import io
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from ..logs import quiet

IN, HIDDEN, OUT = 8, 16, 4


@dataclass
class Capture:
    """One framework's graph of the MLP: its node count, op vocabulary ({op: count}) and its output on the input."""

    framework: str
    ops: dict[str, int]
    output: np.ndarray = field(repr=False)

    @property
    def nodes(self) -> int:
        """Operation nodes (inputs, outputs and parameters not counted)."""
        return sum(self.ops.values())


@dataclass(frozen=True)
class Probe:
    """What a capture did with one tricky program: whether it produced a graph, and what happened, in a line."""

    framework: str
    captured: bool
    detail: str


def weights(seed: int = 0) -> dict[str, np.ndarray]:
    """The MLP's weights as torch's Linear keeps them: (out, in) matrices."""
    rng = np.random.default_rng(seed)
    shapes = {"0.weight": (HIDDEN, IN), "0.bias": (HIDDEN,), "2.weight": (OUT, HIDDEN), "2.bias": (OUT,)}
    return {k: rng.uniform(-0.5, 0.5, s).astype(np.float32) for k, s in shapes.items()}


def _dlsys(w, x):
    import dlsys_lab as dl

    model = dl.nn.Sequential(dl.nn.Linear(IN, HIDDEN), dl.nn.Tanh(), dl.nn.Linear(HIDDEN, OUT))
    model.load_state_dict(w)
    graph = dl.export.trace(model, x)
    return Capture("dlsys_lab", graph.op_counts(), model(dl.Tensor(x)).numpy())


def _torch_model(w):
    import torch

    model = torch.nn.Sequential(torch.nn.Linear(IN, HIDDEN), torch.nn.Tanh(), torch.nn.Linear(HIDDEN, OUT))
    model.load_state_dict({k: torch.from_numpy(v) for k, v in w.items()})
    return model.eval()


def _torch_fx(w, x):
    import torch

    module = torch.fx.symbolic_trace(_torch_model(w))
    ops = Counter(type(module.get_submodule(n.target)).__name__ if n.op == "call_module" else str(n.target)
                  for n in module.graph.nodes if n.op.startswith("call_"))
    with torch.no_grad():
        return Capture("torch.fx", dict(ops), module(torch.from_numpy(x)).numpy())


def _torch_export(w, x):
    import torch

    program = torch.export.export(_torch_model(w), (torch.from_numpy(x),))
    ops = Counter(str(n.target) for n in program.graph.nodes if n.op == "call_function")
    with torch.no_grad():
        return Capture("torch.export", dict(ops), program.module()(torch.from_numpy(x)).numpy())


def _jax_fn(w):
    import jax.numpy as jnp

    def mlp(x):
        h = jnp.tanh(x @ w["0.weight"].T + w["0.bias"])
        return h @ w["2.weight"].T + w["2.bias"]
    return mlp


def _jaxpr(w, x):
    import jax

    closed = jax.make_jaxpr(_jax_fn(w))(x)
    ops = Counter(e.primitive.name for e in closed.jaxpr.eqns)
    return Capture("jax", dict(ops), np.asarray(jax.core.eval_jaxpr(closed.jaxpr, closed.consts, x)[0]))


def _tf_fn(w):
    import tensorflow as tf

    def mlp(x):
        h = tf.tanh(tf.matmul(x, w["0.weight"].T) + w["0.bias"])
        return tf.matmul(h, w["2.weight"].T) + w["2.bias"]
    return mlp


def _tf_function(w, x):
    import tensorflow as tf

    concrete = tf.function(_tf_fn(w)).get_concrete_function(tf.TensorSpec(x.shape, tf.float32))
    ops = Counter(n.op for n in concrete.graph.as_graph_def().node if n.op not in ("Placeholder", "NoOp"))
    return Capture("tensorflow", dict(ops), concrete(tf.constant(x)).numpy())


CAPTURES = {"dlsys_lab": _dlsys, "torch.fx": _torch_fx, "torch.export": _torch_export, "jax": _jaxpr,
            "tensorflow": _tf_function}
MODULES = {"torch.fx": "torch", "torch.export": "torch", "jax": "jax", "tensorflow": "tensorflow"}


def _installed(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(MODULES.get(name, "dlsys_lab")) is not None


def captures(names=tuple(CAPTURES), batch: int = 4, seed: int = 0) -> list[Capture]:
    """The MLP captured by each named framework that is installed, on one random (batch, 8) input."""
    w, x = weights(seed), np.random.default_rng(seed + 1).standard_normal((batch, IN)).astype(np.float32)
    return [CAPTURES[name](w, x) for name in names if _installed(name)]


# ---- control flow: y = 2x if sum(x) > 0 else -x ------------------------------------------------------------------
def _attempt(framework: str, capture) -> Probe:
    """Run `capture()`: a Probe with its own line when it returns one, else the error it raised, in a line."""
    try:
        return capture()
    except Exception as err:  # each framework refuses in its own way; the probe reports which
        first = str(err).strip().splitlines()[0] if str(err).strip() else ""
        return Probe(framework, False, f"refused: {type(err).__name__}: {first[:160]}")


def _branch_dlsys(positive, negative):
    import dlsys_lab as dl

    def branchy(x):
        return x * 2.0 if x.sum().item() > 0 else -x

    graph = dl.export.trace(branchy, positive)
    replay = dl.export.OnnxModel(graph)(negative).numpy()
    wrong = not np.allclose(replay, -negative)
    return Probe("dlsys_lab", True, f"recorded only the branch taken ({', '.join(graph.op_counts())}); "
                 f"replayed on an input that takes the other branch it is {'wrong' if wrong else 'right'}")


def _branch_torch_fx(positive, negative):
    import torch

    class Branchy(torch.nn.Module):
        def forward(self, x):
            return x * 2 if x.sum() > 0 else -x

    torch.fx.symbolic_trace(Branchy())
    return Probe("torch.fx", True, "traced")


def _branch_torch_export(positive, negative):
    import torch

    class Branchy(torch.nn.Module):
        def forward(self, x):
            return x * 2 if x.sum() > 0 else -x

    # The refusal is the probe's result: torch.export also prints the partial graph to stderr and its shape solver
    # warns it cannot map the unbacked symbol to user code; keep both out of the notebook (the error says it all).
    with contextlib.redirect_stderr(io.StringIO()), quiet("torch.fx.experimental.symbolic_shapes"):
        torch.export.export(Branchy(), (torch.from_numpy(positive),))
    return Probe("torch.export", True, "exported")


def _branch_jax(positive, negative):
    import jax

    jax.make_jaxpr(lambda x: x * 2 if x.sum() > 0 else -x)(positive)
    return Probe("jax", True, "traced")


def _branch_tf(positive, negative):
    import tensorflow as tf

    fn = tf.function(lambda x: x * 2 if tf.reduce_sum(x) > 0 else -x)
    concrete = fn.get_concrete_function(tf.TensorSpec(positive.shape, tf.float32))
    ops = {n.op for n in concrete.graph.as_graph_def().node}
    right = np.allclose(concrete(tf.constant(negative)).numpy(), -negative)
    branches = ", ".join(sorted(ops & {"If", "StatelessIf"}))
    return Probe("tensorflow", True, f"AutoGraph made the `if` a graph op ({branches}); "
                 f"the other branch is {'right' if right else 'wrong'}")


BRANCHES = {"dlsys_lab": _branch_dlsys, "torch.fx": _branch_torch_fx, "torch.export": _branch_torch_export,
            "jax": _branch_jax, "tensorflow": _branch_tf}


def control_flow(names=tuple(BRANCHES)) -> list[Probe]:
    """What each installed capture does with `2x if sum(x) > 0 else -x`: refuse, specialize, or keep both branches."""
    positive = np.ones((2, 3), np.float32)
    return [_attempt(name, lambda name=name: BRANCHES[name](positive, -positive))
            for name in names if _installed(name)]


# ---- a batch size the capture has not seen ---------------------------------------------------------------------
def _batch_dlsys(w, x, other):
    import onnxruntime as ort

    import dlsys_lab as dl
    from dlsys_lab.export import model_from_graph

    model = dl.nn.Sequential(dl.nn.Linear(IN, HIDDEN), dl.nn.Tanh(), dl.nn.Linear(HIDDEN, OUT))
    graph = dl.export.trace(model, x)
    session = ort.InferenceSession(model_from_graph(graph).SerializeToString(), providers=["CPUExecutionProvider"])
    session.run(None, {"input": other})
    return Probe("dlsys_lab", True, f"input declared {graph.inputs[0].shape}, yet onnxruntime ran batch {len(other)}")


def _batch_torch_fx(w, x, other):
    import torch

    module = torch.fx.symbolic_trace(_torch_model(w))
    module(torch.from_numpy(other))
    return Probe("torch.fx", True, f"the graph holds no shapes: batch {len(other)} runs as it is")


def _batch_torch_export(w, x, other):
    import torch

    batch = torch.export.Dim("batch")
    program = torch.export.export(_torch_model(w), (torch.from_numpy(x),), dynamic_shapes={"input": {0: batch}})
    program.module()(torch.from_numpy(other))
    placeholder = next(n for n in program.graph.nodes if n.op == "placeholder" and n.name.startswith("input"))
    return Probe("torch.export", True, f"with Dim('batch') the input is {tuple(placeholder.meta['val'].shape)}; "
                 f"batch {len(other)} runs")


def _batch_jax(w, x, other):
    import jax

    traces = []
    fn = jax.jit(lambda v: traces.append(v.shape) or _jax_fn(w)(v))
    fn(x), fn(x), fn(other)
    return Probe("jax", True, f"a jaxpr is typed by shape: jit traced {len(traces)} times for {traces}")


def _batch_tf(w, x, other):
    import tensorflow as tf

    traces = []
    fn = tf.function(lambda v: traces.append(tuple(v.shape)) or _tf_fn(w)(v),
                     input_signature=[tf.TensorSpec([None, IN], tf.float32)])
    fn(tf.constant(x)), fn(tf.constant(other))
    return Probe("tensorflow", True, f"input_signature [None, {IN}]: traced {len(traces)} time(s) for {traces}")


BATCHES = {"dlsys_lab": _batch_dlsys, "torch.fx": _batch_torch_fx, "torch.export": _batch_torch_export,
           "jax": _batch_jax, "tensorflow": _batch_tf}


def dynamic_batch(names=tuple(BATCHES)) -> list[Probe]:
    """What each installed capture does when a graph captured at batch 4 meets batch 7."""
    w, rng = weights(), np.random.default_rng(2)
    x, other = rng.standard_normal((4, IN)).astype(np.float32), rng.standard_normal((7, IN)).astype(np.float32)
    return [_attempt(name, lambda name=name: BATCHES[name](w, x, other)) for name in names if _installed(name)]
