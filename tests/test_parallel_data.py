"""Every data-parallel variant (and torch's DDP) matches single-process full-batch training after 5 steps."""
import pytest
import torch
import torch.distributed as dist
from torch import nn

from dlsys_lab.parallel import launch
from dlsys_lab.parallel.data_parallel import OverlappedDataParallel, make_buckets
from dlsys_lab.parallel.training import VARIANTS, train_data_parallel, train_interleaved, train_single


class TiedFrozenNet(nn.Module):
    """A small float64 MLP with a frozen layer, a layer used twice, and a weight shared by two layers."""

    def __init__(self):
        super().__init__()
        self.inp, self.shared, self.out = nn.Linear(6, 8), nn.Linear(8, 8), nn.Linear(8, 3)
        self.frozen = nn.Linear(8, 8).requires_grad_(False)
        self.proj = nn.Linear(8, 8)
        self.proj.weight = self.shared.weight  # tied: one Parameter in two modules

    def forward(self, x):
        h = torch.tanh(self.shared(torch.tanh(self.inp(x))))
        h = torch.tanh(self.shared(torch.tanh(self.frozen(h))))  # shared used a second time
        return self.out(torch.tanh(self.proj(h)))


def make_net():
    return TiedFrozenNet().double()


def batch(n=12):
    gen = torch.Generator().manual_seed(7)
    return torch.randn(n, 6, generator=gen, dtype=torch.float64), torch.randn(n, 3, generator=gen, dtype=torch.float64)


def backward_twice_message():
    """A second backward before sync_gradients must fail loudly, not average stale gradients."""
    dp = OverlappedDataParallel(make_net())
    inputs, targets = batch(4)
    try:
        for _ in range(2):
            nn.functional.mse_loss(dp(inputs), targets).backward()
    except RuntimeError as error:
        return str(error)
    finally:
        dist.barrier()


def all_variants(rank, world_size, inputs, targets, bucket_bytes):
    """Train once with every variant in one launch (start-up is the expensive part)."""
    states = {v: train_data_parallel(rank, world_size, v, make_net, inputs, targets, 5, 0.1, bucket_bytes)[0]
              for v in VARIANTS}
    interleaved = train_interleaved(rank, world_size, VARIANTS, make_net, inputs, targets, 5, 0.1, bucket_bytes)
    states.update({f"{v} (interleaved)": state for v, (state, _) in interleaved.items()})
    return states, backward_twice_message()


@pytest.mark.slow
def test_every_variant_matches_single_process_training():
    world_size, bucket_bytes = 2, 300  # 300 bytes: several buckets per step
    inputs, targets = batch()
    torch.manual_seed(0)  # rank 0's seed: the others are overwritten by the initial broadcast
    expected, _ = train_single(make_net, inputs, targets, steps=5, lr=0.1)
    initial = (torch.manual_seed(0), make_net())[1].state_dict()
    for rank, (states, twice) in enumerate(launch(all_variants, world_size, inputs, targets, bucket_bytes)):
        assert twice is not None and "call sync_gradients() after every backward" in twice
        for variant, state in states.items():
            assert state.keys() == expected.keys()
            for name, value in state.items():
                torch.testing.assert_close(value, expected[name], rtol=1e-10, atol=1e-12,
                                           msg=f"{variant}, rank {rank}, {name}")
    assert not torch.equal(expected["inp.weight"], initial["inp.weight"])  # training moved the weights
    torch.testing.assert_close(expected["frozen.weight"], initial["frozen.weight"], rtol=0, atol=0)


def test_buckets_follow_backward_order_and_respect_the_size():
    params = [nn.Parameter(torch.zeros(n)) for n in (10, 20, 30, 40)]
    buckets = make_buckets(params, bucket_bytes=200)  # float32: 40, 80, 120, 160 bytes
    assert [[p.numel() for p in b] for b in buckets] == [[40], [30, 20], [10]]
    assert make_buckets(params, bucket_bytes=1) == [[p] for p in reversed(params)]

