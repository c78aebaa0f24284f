"""DataLoader with worker processes: the same batches in the same order for 0, 1 and 2 workers with a seed;
shards for data parallelism are disjoint and complete."""
import numpy as np
import pytest

from dlsys_lab.data import DataLoader, TensorDataset, shard
from dlsys_lab.data.transforms import Normalize

pytestmark = pytest.mark.slow  # (spawns worker processes)


def _epochs(loader, n=2):
    return [[tuple(t.numpy() for t in batch) for batch in loader] for _ in range(n)]


@pytest.mark.parametrize("transform", [None, Normalize(0.5, 2.0)], ids=["arrays", "per-sample transform"])
def test_same_batches_in_the_same_order_for_0_1_and_2_workers(transform):
    rng = np.random.default_rng(0)
    dataset = TensorDataset(rng.standard_normal((101, 3)).astype(np.float32), np.arange(101), transform=transform)
    runs = [_epochs(DataLoader(dataset, batch_size=8, shuffle=True, seed=7, num_workers=w, prefetch_factor=2))
            for w in (0, 1, 2)]
    first, second = runs[0]
    assert len(first) == 13 and not np.array_equal(first[0][1], second[0][1])  # shuffled anew each epoch
    for run in runs[1:]:
        assert len(run) == len(runs[0])
        for epoch, expected in zip(run, runs[0]):
            for batch, want in zip(epoch, expected):
                for got, wanted in zip(batch, want):
                    np.testing.assert_array_equal(got, wanted)


def test_unpicklable_dataset_is_refused_with_the_fix():
    dataset = TensorDataset(np.zeros((4, 2)), np.zeros(4), transform=lambda x: x)
    with pytest.raises(TypeError, match="must be picklable"):
        next(iter(DataLoader(dataset, num_workers=1)))


def test_shards_are_disjoint_and_complete():
    dataset = TensorDataset(np.arange(103), np.arange(103))
    shards = [shard(dataset, rank, 4, seed=3) for rank in range(4)]
    seen = [set(int(s[i][0]) for i in range(len(s))) for s in shards]
    assert sorted(len(s) for s in seen) == [25, 26, 26, 26]
    assert set().union(*seen) == set(range(103)) and sum(len(s) for s in seen) == 103
    with pytest.raises(ValueError, match="rank 4 is not in 0..3"):
        shard(dataset, 4, 4)
