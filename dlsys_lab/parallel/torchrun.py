"""torchrun entry point: the lab's data-parallel digits training, on one machine or several.

python -m torch.distributed.run --nproc-per-node 2 -m dlsys_lab.parallel.torchrun --variant bucketed
"""
from __future__ import annotations

import argparse
import os
import statistics

import torch
import torch.distributed as dist
from torch import nn

from dlsys_lab.parallel.digits import accuracy, digits_batch, make_digits_mlp
from dlsys_lab.parallel.training import VARIANTS, train_data_parallel


def main(argv: list[str] | None = None) -> int:
    """Join the group torchrun describes (RANK, WORLD_SIZE, MASTER_ADDR...), train, print rank 0's summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", choices=sorted(VARIANTS), default="bucketed")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--backend", default="gloo", help="gloo (CPU tensors); the training runs on CPU")
    args = parser.parse_args(argv)
    if "RANK" not in os.environ:
        parser.error("run me under torchrun: python -m torch.distributed.run --nproc-per-node 2 "
                     "-m dlsys_lab.parallel.torchrun")
    torch.set_num_threads(1)
    dist.init_process_group(args.backend)
    rank, world = dist.get_rank(), dist.get_world_size()
    inputs, labels = digits_batch()
    inputs, labels = inputs[: len(inputs) // world * world], labels[: len(labels) // world * world]
    torch.manual_seed(0)
    state, seconds = train_data_parallel(rank, world, args.variant, make_digits_mlp, inputs, labels, args.steps,
                                         lr=0.1, loss_fn=nn.functional.cross_entropy)
    checksum = torch.stack([v.double().sum() for v in state.values()]).sum().reshape(1)
    checksums = [torch.empty_like(checksum) for _ in range(world)]
    dist.all_gather(checksums, checksum)
    agree = all(torch.equal(c, checksums[0]) for c in checksums)
    if rank == 0:
        model = make_digits_mlp()
        model.load_state_dict(state)
        print(f"{args.variant} on {world} ranks: median step {statistics.median(seconds) * 1e3:.2f} ms, "
              f"train accuracy {accuracy(model, inputs, labels):.3f}, weights equal on all ranks: {agree}")
    dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
