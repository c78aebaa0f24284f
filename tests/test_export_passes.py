"""Graph passes on the traced IR: each keeps the outputs on random inputs and shrinks the graph it targets."""
import functools

import numpy as np
import onnx
import onnxruntime as ort
import pytest

import dlsys_lab as dl
from dlsys_lab.export.interpret import evaluate
from dlsys_lab.export.passes import PASSES, optimize

nn = dl.nn
RNG = np.random.default_rng(0)
W = dl.Tensor(RNG.standard_normal((8, 8)), requires_grad=False)


def redundant(x):
    """A function with a dead value, a repeated subexpression and an elementwise tail."""
    _ = x.exp().sum()
    a, b = (x @ W).tanh(), (x @ W).tanh()
    return ((a + b) * 0.5 - 1.0).relu() * 2.0 + x.sigmoid()


@functools.cache
def _graphs():
    """The traced graphs, built on first use (in a student edition, tracing may reach a piece not written yet)."""
    x = RNG.standard_normal((4, 8)).astype(np.float32)
    batchnorm = nn.Sequential(nn.Linear(8, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
    cnn = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 4 * 4, 2))
    return {"redundant": dl.export.trace(redundant, x), "batchnorm": dl.export.trace(batchnorm, x),
            "cnn": dl.export.trace(cnn, RNG.standard_normal((2, 1, 6, 6)).astype(np.float32))}


GRAPH_NAMES = ["redundant", "batchnorm", "cnn"]
# the pass that must shrink each graph, and by how many nodes at least
SHRINKS = [("fold", "batchnorm", 2), ("cse", "redundant", 2), ("dce", "redundant", 2), ("fuse", "redundant", 3),
           ("fuse", "batchnorm", 3)]


def _random_inputs(graph, seed):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(v.shape).astype(v.dtype) for v in graph.inputs]


def _same_outputs(before, after):
    for seed in range(3):
        inputs = _random_inputs(before, seed)
        for b, a in zip(evaluate(before, *inputs), evaluate(after, *inputs)):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("graph_name", GRAPH_NAMES)
@pytest.mark.parametrize("pass_name", list(PASSES))
def test_each_pass_keeps_outputs_and_never_grows(pass_name, graph_name):
    graph = _graphs()[graph_name]
    after, (report,) = optimize(graph, [pass_name])
    assert report.nodes_before == len(graph) and report.nodes_after == len(after) <= len(graph)
    _same_outputs(graph, after)


@pytest.mark.parametrize("pass_name, graph_name, at_least", SHRINKS)
def test_a_pass_shrinks_the_graph_it_targets(pass_name, graph_name, at_least):
    graph = _graphs()[graph_name]
    after = PASSES[pass_name](graph)
    assert len(graph) - len(after) >= at_least, (graph.summary(), after.summary())


def test_all_passes_together_then_onnxruntime(tmp_path):
    graph = _graphs()["redundant"]
    after, reports = optimize(graph)
    assert [r.name for r in reports] == ["fold", "cse", "dce", "fuse"] and len(after) <= 4
    _same_outputs(graph, after)
    proto = dl.export.model_from_graph(after)  # fused nodes are model-local functions
    onnx.checker.check_model(proto, full_check=True)
    x = _random_inputs(graph, 7)[0]
    got = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"input": x})
    np.testing.assert_allclose(got[0], evaluate(graph, x)[0].numpy(), rtol=1e-5, atol=1e-5)
    back = dl.export.from_onnx(proto)(x).numpy()  # from_onnx inlines the local functions
    np.testing.assert_allclose(back, got[0], rtol=1e-5, atol=1e-5)


def test_unknown_pass_is_named():
    with pytest.raises(ValueError, match="unknown passes"):
        optimize(_graphs()["cnn"], ["inline"])
