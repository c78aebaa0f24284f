"""ZeRO-1 and FSDP-style sharding train exactly like one process (5 steps, float64), holding less per rank."""
import pytest
import torch
from torch import nn

from dlsys_lab.parallel import launch
from dlsys_lab.parallel.sharded_training import STRATEGIES, every_strategy, train_single_process
from dlsys_lab.parallel.sharding import FlatLayout
from dlsys_lab.parallel.zero import zero_bytes_per_rank


def make_net():
    """89 parameters in three layers: no world size divides it, so the last shard is padded."""
    return nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 4), nn.Tanh(), nn.Linear(4, 3)).double()


def sgd_momentum(params):
    return torch.optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=0.01)


def adam(params):
    return torch.optim.Adam(params, lr=0.05)


def batch(n=12):
    gen = torch.Generator().manual_seed(3)
    return torch.randn(n, 5, generator=gen, dtype=torch.float64), torch.randn(n, 3, generator=gen, dtype=torch.float64)


def both_optimizers(rank, world_size, inputs, targets):
    return {name: every_strategy(rank, world_size, make_net, inputs, targets, 5, opt)
            for name, opt in (("adam", adam), ("sgd", sgd_momentum))}


@pytest.mark.slow
@pytest.mark.parametrize("world_size", [2, 3])
def test_zero1_and_fsdp_equal_single_process_training_after_5_steps(world_size):
    inputs, targets = batch()
    per_rank = launch(both_optimizers, world_size, inputs, targets)
    padded = -(-89 // world_size) * world_size
    for name, opt in (("adam", adam), ("sgd", sgd_momentum)):
        torch.manual_seed(0)  # rank 0's seed: its initial weights are broadcast
        expected, single_memory = train_single_process(make_net, inputs, targets, 5, opt)
        initial = (torch.manual_seed(0), make_net())[1].state_dict()
        assert not torch.equal(expected["0.weight"], initial["0.weight"])  # training moved the weights
        for rank, results in enumerate(per_rank):
            for strategy in STRATEGIES:
                state, _ = results[name][strategy]
                assert state.keys() == expected.keys()
                for key, value in state.items():
                    torch.testing.assert_close(value, expected[key], rtol=1e-12, atol=1e-13,
                                               msg=f"{name} {strategy} rank {rank} {key}")
        # memory: DDP holds what one process holds; ZeRO-1 a shard of the optimizer state; FSDP a shard of all
        state_per_element = 2 if name == "adam" else 1  # Adam: two moments; SGD with momentum: one buffer
        for rank, results in enumerate(per_rank):
            ddp, zero1, fsdp = (results[name][s][1] for s in STRATEGIES)
            assert {k: ddp[k] for k in ("params", "grads", "optimizer")} == \
                {k: single_memory[k] for k in ("params", "grads", "optimizer")}
            assert ddp["optimizer"] == 89 * 8 * state_per_element + _steps(name, 6)
            assert zero1["params"] == ddp["params"] and zero1["grads"] == ddp["grads"]
            assert zero1["optimizer"] == padded // world_size * 8 * (state_per_element + 1) + _steps(name, 1)
            layers = ([(7, 5), (7,)], [(4, 7), (4,)], [(3, 4), (3,)])
            shards = [FlatLayout(shapes, world_size, rank).shard_numel for shapes in layers]
            assert fsdp["params"] == fsdp["grads"] == sum(shards) * 8
            assert fsdp["optimizer"] == sum(shards) * 8 * state_per_element + _steps(name, 3)
            assert fsdp["transient"] >= 2 * 8 * (7 * 5 + 7)  # the largest layer gathered, with its full gradient


def _steps(name, tensors):
    """Bytes of Adam's step counters (one scalar float32 tensor per parameter tensor), 0 for SGD."""
    return 4 * tensors if name == "adam" else 0


def test_flat_layout_pads_and_views():
    layout = FlatLayout([torch.Size([2, 3]), torch.Size([1])], world_size=3, rank=2)
    assert (layout.numel, layout.shard_numel, layout.padded_numel) == (7, 3, 9)
    a, b = torch.arange(6.0).view(2, 3), torch.tensor([9.0])
    flat = layout.flatten([a, b])
    assert flat.tolist() == [0, 1, 2, 3, 4, 5, 9, 0, 0]
    assert layout.my_shard(flat).tolist() == [9, 0, 0]
    views = layout.views(flat)
    assert torch.equal(views[0], a) and torch.equal(views[1], b)
    assert views[0].data_ptr() == flat.data_ptr()  # views, not copies
    with pytest.raises(ValueError, match="rank 3 outside a world of 3"):
        FlatLayout([torch.Size([2])], world_size=3, rank=3)


def test_zero_arithmetic_reproduces_the_zero_papers_figure_1():
    """Rajbhandari et al. 2020, figure 1: 7.5B parameters, 64 ranks, mixed-precision Adam (K = 12)."""
    gb = [zero_bytes_per_rank(7.5e9, 64, stage) / 1e9 for stage in range(4)]
    assert [round(x, 1) for x in gb] == [120.0, 31.4, 16.6, 1.9]
    assert zero_bytes_per_rank(100, 4, 1, 4, 4, 8) == 100 * (4 + 4 + 2)  # fp32 Adam, ZeRO-1 on 4 ranks
    with pytest.raises(ValueError, match="stage must be"):
        zero_bytes_per_rank(1, 2, 4)

