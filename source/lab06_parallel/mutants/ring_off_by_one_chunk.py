# mutant: reduce-scatter adds into chunk (r - s) instead of (r - s - 1)
# cell: ring
def ring_all_reduce(tensor, comm):
    """Sum `tensor` over all ranks in place: a reduce-scatter, then an all-gather, around the ring."""
    ### BEGIN SOLUTION
    rank, world = comm.rank, comm.world_size
    right, left = (rank + 1) % world, (rank - 1) % world
    chunks = torch.tensor_split(tensor.view(-1), world)
    for step in range(world - 1):
        mine = chunks[(rank - step) % world]
        incoming = torch.empty_like(mine)
        exchange(comm, chunks[(rank - step) % world], incoming, right, left)
        mine.add_(incoming)
    for step in range(world - 1):
        exchange(comm, chunks[(rank + 1 - step) % world], chunks[(rank - step) % world], right, left)
    ### END SOLUTION


def ring_all_reduce_on_threads(inputs):
    """Given: run ring_all_reduce with one thread per input tensor; return [result, bytes sent] per rank."""
    def rank_main(comm):
        tensor = inputs[comm.rank].clone()
        ring_all_reduce(tensor, comm)
        return [tensor, comm.bytes_sent]
    return run_on_threads(rank_main, len(inputs))
