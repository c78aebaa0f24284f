# mutant: correct sums, but every rank sends its whole tensor to every other rank
# cell: ring
def ring_all_reduce(tensor, comm):
    """Sum `tensor` over all ranks in place: a reduce-scatter, then an all-gather, around the ring."""
    ### BEGIN SOLUTION
    rank, world = comm.rank, comm.world_size
    mine = tensor.clone()
    for other in range(world):
        if other != rank:
            comm.isend(mine, other)
    for other in range(world):
        if other != rank:
            incoming = torch.empty_like(mine)
            comm.irecv(incoming, other).wait()
            tensor.add_(incoming)
    ### END SOLUTION


def ring_all_reduce_on_threads(inputs):
    """Given: run ring_all_reduce with one thread per input tensor; return [result, bytes sent] per rank."""
    def rank_main(comm):
        tensor = inputs[comm.rank].clone()
        ring_all_reduce(tensor, comm)
        return [tensor, comm.bytes_sent]
    return run_on_threads(rank_main, len(inputs))
