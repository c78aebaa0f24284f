"""ThreadComm behaves like torch.distributed's point-to-point and all_reduce; failures name the rank."""
import pytest
import torch

from dlsys_lab.parallel.comm import run_on_threads


def shift_right(comm):
    """Each rank sends its rank to the right and receives the left one's."""
    outgoing, incoming = torch.full((3,), float(comm.rank)), torch.empty(3)
    works = [comm.isend(outgoing, (comm.rank + 1) % comm.world_size),
             comm.irecv(incoming, (comm.rank - 1) % comm.world_size)]
    for w in works:
        w.wait()
    total = torch.tensor([float(comm.rank + 1)])
    comm.all_reduce(total)
    return incoming, total, comm.bytes_sent, comm.all_reduce_numels


def test_messages_and_all_reduce_between_threads():
    for rank, (incoming, total, sent, numels) in enumerate(run_on_threads(shift_right, 4)):
        assert torch.equal(incoming, torch.full((3,), float((rank - 1) % 4)))
        assert total.item() == 10.0 and sent == 12 and numels == [1]


def test_shape_mismatch_names_the_fix():
    def wrong(comm):
        if comm.rank == 0:
            comm.isend(torch.zeros(2), 1).wait()
        else:
            comm.irecv(torch.zeros(3), 0).wait()
    with pytest.raises(RuntimeError, match="rank 1 raised(.|\n)*same chunk index"):
        run_on_threads(wrong, 2)


def test_unmatched_receive_times_out_with_the_rank():
    def lonely(comm):
        if comm.rank == 1:
            comm.irecv(torch.zeros(1), 0).wait()
    with pytest.raises(RuntimeError, match="rank 1 raised(.|\n)*matching isend"):
        run_on_threads(lonely, 2, timeout=0.5)


def test_failing_rank_is_reported_not_the_ones_it_stopped():
    def rank0_fails(comm):
        if comm.rank == 0:
            raise KeyError("bad index")
        comm.irecv(torch.zeros(1), 0).wait()
    with pytest.raises(RuntimeError, match="rank 0 raised(.|\n)*bad index"):
        run_on_threads(rank0_fails, 3)
