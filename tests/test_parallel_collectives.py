"""Ring collectives from isend/irecv against torch.distributed's own, bit for bit."""
import pytest
import torch
import torch.distributed as dist

from dlsys_lab.parallel import launch, ring_all_gather, ring_all_reduce, ring_broadcast

SHAPES = [(1,), (2,), (5,), (7,), (64,), (1001,), (3, 5)]  # most not divisible by 3 or 4; tiny ones leave empty chunks


def compare_with_torch(rank, world_size):
    """Per size: do ring all-reduce, broadcast and all-gather equal dist's, and the bytes sent."""
    report = []
    for shape in SHAPES:
        size = torch.Size(shape).numel()
        gen = torch.Generator().manual_seed(1000 * size + rank)
        x = torch.randint(-10**6, 10**6, shape, generator=gen).double()
        ours, theirs = x.clone(), x.clone()
        sent = ring_all_reduce(ours)
        dist.all_reduce(theirs)
        reduce_equal = torch.equal(ours, theirs) and ours.shape == shape and not torch.equal(ours, x)

        src = size % world_size
        ours_b, theirs_b = x.clone(), x.clone()
        sent_b = ring_broadcast(ours_b, src)
        dist.broadcast(theirs_b, src)
        broadcast_equal = torch.equal(ours_b, theirs_b)

        ours_g = [torch.empty_like(x) for _ in range(world_size)]
        theirs_g = [torch.empty_like(x) for _ in range(world_size)]
        sent_g = ring_all_gather(ours_g, x)
        dist.all_gather(theirs_g, x)
        gather_equal = all(torch.equal(a, b) for a, b in zip(ours_g, theirs_g))
        report.append((size, reduce_equal, broadcast_equal, gather_equal, sent, sent_b, sent_g))
    return report


@pytest.mark.slow
@pytest.mark.parametrize("world_size", [2, 3, 4])
def test_ring_collectives_equal_torch_bit_for_bit(world_size):
    reports = launch(compare_with_torch, world_size)
    for rank, report in enumerate(reports):
        for size, reduce_equal, broadcast_equal, gather_equal, sent, sent_b, sent_g in report:
            assert reduce_equal and broadcast_equal and gather_equal, (rank, size)
            chunk_bytes = [c.numel() * 8 for c in torch.tensor_split(torch.empty(size), world_size)]
            # reduce-scatter and all-gather each send world_size - 1 chunks: about 2 (w-1)/w of the data
            owned = (rank + 1) % world_size
            expected = sum(chunk_bytes) * 2 - chunk_bytes[owned] - chunk_bytes[(rank + 2) % world_size]
            assert sent == expected, (rank, size, sent, expected)
            assert sent_b == (0 if rank == (size % world_size - 1) % world_size else size * 8)
            assert sent_g == (world_size - 1) * size * 8


def test_ring_all_reduce_rejects_non_contiguous_with_the_fix():
    with pytest.raises(ValueError, match="contiguous"):
        ring_all_reduce(torch.zeros(4, 4).t())
