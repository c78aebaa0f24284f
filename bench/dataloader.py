"""Input pipeline throughput: dlsys_lab's DataLoader and torch's, with 0, 1 and 2 worker processes, on a synthetic
dataset whose samples must be decoded (zlib-compressed 96x96 images, decompressed, low-pass filtered through an
FFT and normalized on access), the kind of work that starves a training loop when done in its own process.
Measured in one run, samples per second; on 2 busy cores, starting the workers costs more than they save.
Usage: python bench/dataloader.py [--samples 2000] [--batch-size 64]
"""
from __future__ import annotations

import argparse
import os
import time
import zlib

import numpy as np
import torch

from dlsys_lab.data import DataLoader, Dataset


SIZE = 96


class CompressedImages(Dataset):
    """n compressed 96x96 float32 images with labels; __getitem__ decodes and filters one (about 1 ms)."""

    def __init__(self, n: int, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.blobs = [zlib.compress(np.cumsum(rng.standard_normal((SIZE, SIZE)), axis=1).astype(np.float32).tobytes())
                      for _ in range(n)]
        self.labels = rng.integers(0, 10, n)
        self.low_pass = (np.hypot(*np.meshgrid(np.fft.fftfreq(SIZE), np.fft.rfftfreq(SIZE), indexing="ij")) < 0.2)

    def __len__(self):
        return len(self.blobs)

    def __getitem__(self, i):
        image = np.frombuffer(zlib.decompress(self.blobs[i]), np.float32).reshape(SIZE, SIZE)
        for _ in range(4):  # stands for a real decoder's work
            image = np.fft.irfft2(np.fft.rfft2(image) * self.low_pass, s=image.shape)
        image = image.astype(np.float32)[None]
        return (image - image.mean()) / (image.std() + 1e-6), self.labels[i]


def samples_per_second(loader, n: int) -> float:
    start = time.perf_counter()
    for _ in loader:
        pass
    return n / (time.perf_counter() - start)


def main(argv=None) -> None:
    """Time every loader, one epoch each (workers are started inside the epoch, as both loaders do by default)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args(argv)
    dataset = CompressedImages(args.samples)
    print(f"{args.samples} samples, batch {args.batch_size}, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.2f}; worker start-up included")
    start = time.perf_counter()
    dataset[0]
    print(f"one sample decodes in {(time.perf_counter() - start) * 1e3:.2f} ms")
    for workers in (0, 1, 2):
        ours = DataLoader(dataset, args.batch_size, shuffle=True, seed=0, num_workers=workers)
        theirs = torch.utils.data.DataLoader(dataset, args.batch_size, shuffle=True, num_workers=workers,
                                             multiprocessing_context="spawn" if workers else None)
        print(f"  {workers} workers: dlsys_lab {samples_per_second(ours, args.samples):8.0f} samples/s, "
              f"torch {samples_per_second(theirs, args.samples):8.0f} samples/s")


if __name__ == "__main__":
    main()
