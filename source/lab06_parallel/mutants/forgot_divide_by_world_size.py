# mutant: sums the gradients instead of averaging them
# cell: bucketed
def bucketed_sync(params, comm, bucket_bytes):
    """Replace each p.grad by its mean over ranks, all-reducing buckets of <= bucket_bytes, last parameter first."""
    ### BEGIN SOLUTION
    def flush(bucket):
        flat = torch.cat([p.grad.reshape(-1) for p in bucket])
        comm.all_reduce(flat)
        offset = 0
        for p in bucket:
            p.grad.copy_(flat[offset:offset + p.numel()].view_as(p.grad))
            offset += p.numel()

    bucket, filled = [], 0
    for p in reversed(params):
        nbytes = p.grad.numel() * p.grad.element_size()
        if bucket and filled + nbytes > bucket_bytes:
            flush(bucket)
            bucket, filled = [], 0
        bucket.append(p)
        filled += nbytes
    if bucket:
        flush(bucket)
    ### END SOLUTION


def bucketed_step_on_threads(world_size, bucket_bytes, inputs, targets):
    """Given: each rank backpropagates its shard, then calls bucketed_sync; return [grads, all-reduce sizes] per rank."""
    def rank_main(comm):
        model = make_lab_model()
        x, y = inputs.chunk(world_size)[comm.rank], targets.chunk(world_size)[comm.rank]
        nn.functional.mse_loss(model(x), y).backward()
        params = list(model.parameters())
        bucketed_sync(params, comm, bucket_bytes)
        return [[p.grad for p in params], comm.all_reduce_numels]
    return run_on_threads(rank_main, world_size)
