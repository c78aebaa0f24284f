"""Graph capture side by side (dlsys_lab.export.capture): the same MLP in each framework's graph computes the same
numbers, and each capture's way with control flow and new batch sizes is what it claims, shown by running it."""
import numpy as np
import pytest

from dlsys_lab.export import capture

FAST = ("dlsys_lab", "torch.fx", "jax")  # TensorFlow's import and torch.export take seconds each: marked slow below
SLOW = ("torch.export", "tensorflow")


def _by_name(items):
    return {item.framework: item for item in items}


def _check_captures(names):
    found = _by_name(capture.captures(("dlsys_lab",) + names))
    reference = found.pop("dlsys_lab")
    assert reference.ops == {"Gemm": 2, "Tanh": 1}
    for c in found.values():
        np.testing.assert_allclose(c.output, reference.output, rtol=1e-5, atol=1e-5, err_msg=c.framework)
        assert c.nodes >= reference.nodes and any("tanh" in op.lower() for op in c.ops), c
    return found


def test_the_same_mlp_in_three_captures():
    found = _check_captures(FAST[1:])
    assert found["torch.fx"].ops == {"Linear": 2, "Tanh": 1}
    assert found["jax"].ops["dot_general"] == 2


def test_control_flow_and_batch_sizes_in_three_captures():
    branch = _by_name(capture.control_flow(FAST))
    assert branch["dlsys_lab"].captured and "wrong" in branch["dlsys_lab"].detail  # tracing specializes silently
    assert not branch["torch.fx"].captured and "TraceError" in branch["torch.fx"].detail
    assert not branch["jax"].captured and "Tracer" in branch["jax"].detail
    batch = _by_name(capture.dynamic_batch(FAST))
    assert not batch["dlsys_lab"].captured  # shapes are fixed at trace time: onnxruntime refuses another batch
    assert batch["torch.fx"].captured
    assert "traced 2 times" in batch["jax"].detail


@pytest.mark.slow
def test_torch_export_and_tf_function():
    pytest.importorskip("tensorflow")
    _check_captures(SLOW)
    branch = _by_name(capture.control_flow(SLOW))
    assert not branch["torch.export"].captured
    tf_branch = branch["tensorflow"]
    assert tf_branch.captured and "If" in tf_branch.detail and "right" in tf_branch.detail
    batch = _by_name(capture.dynamic_batch(SLOW))
    assert batch["torch.export"].captured and "traced 1 time" in batch["tensorflow"].detail


def test_torch_export_refuses_a_data_dependent_branch_quietly(capfd):
    pytest.importorskip("torch")
    probe, = capture.control_flow(["torch.export"])
    assert not probe.captured and "GuardOnDataDependentSymNode" in probe.detail
    assert capfd.readouterr().err == ""  # no partial-graph dump, no "Unable to find user code" on the notebook's stderr
