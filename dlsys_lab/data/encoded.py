"""A dataset that decodes on every access, like a folder of image files: the input pipeline whose stalls week 9's
profile shows (DataLoader.wait spans) and worker processes hide.

Each digit is stored as a PNG of `size` x `size` pixels; __getitem__ decodes it with Pillow and resizes it back to
8 x 8 (64 features in [0, 1]), after an optional `latency_ms` of simulated storage latency.
"""
from __future__ import annotations

import io
import time

import numpy as np

from .dataset import Dataset
from .digits import digits


class EncodedImages(Dataset):
    """(features, label) pairs decoded from PNG bytes on each access; picklable, so workers can load it."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, size: int = 96, latency_ms: float = 0.0):
        from PIL import Image

        if images.ndim != 3 or len(images) != len(labels) or size < 8 or latency_ms < 0:
            raise ValueError(f"need (n, h, w) images and n labels, size >= 8 and latency_ms >= 0; got images "
                             f"{images.shape}, {len(labels)} labels, size {size}, latency_ms {latency_ms}")
        self.side, self.labels, self.latency_ms = images.shape[1], np.asarray(labels), latency_ms
        self.png = []
        for image in images:
            pixels = Image.fromarray(np.clip(image * 255, 0, 255).astype(np.uint8)).resize((size, size), Image.BILINEAR)
            buffer = io.BytesIO()
            pixels.save(buffer, format="PNG", compress_level=1)
            self.png.append(buffer.getvalue())

    def __len__(self) -> int:
        return len(self.png)

    def __getitem__(self, index):
        from PIL import Image

        if self.latency_ms:
            time.sleep(self.latency_ms / 1e3)
        image = Image.open(io.BytesIO(self.png[index])).resize((self.side, self.side), Image.BOX)
        return np.asarray(image, dtype=np.float32).reshape(-1) / 255.0, self.labels[index]


def encoded_digits(size: int = 96, latency_ms: float = 0.0, limit: int | None = None) -> tuple[EncodedImages, EncodedImages]:
    """digits()'s train and test splits as EncodedImages (the first `limit` samples of each when given)."""
    train, test = digits()
    return tuple(EncodedImages(split.arrays[0][:limit].reshape(-1, 8, 8), split.arrays[1][:limit], size, latency_ms)
                 for split in (train, test))
