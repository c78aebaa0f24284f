"""How many checkpoint segments a memory budget needs, from the activation bytes of each layer.

The model: checkpoint_sequential keeps each segment's output (the output of its last layer) and, while
one segment is recomputed in backward, that segment's activations. So
peak(k) = the k segment outputs + the largest segment's activation bytes.
"""
from __future__ import annotations

from ..nn.recompute import segment_bounds


def checkpoint_peak(activation_bytes: list[int], segments: int) -> int:
    """The activation bytes alive at the peak with `segments` pieces (split as segment_bounds does)."""
    # BEGIN LAB lab07_memory checkpoint_peak
    bounds = segment_bounds(len(activation_bytes), segments)
    boundaries = sum(activation_bytes[stop - 1] for _, stop in bounds)
    largest = max(sum(activation_bytes[start:stop]) for start, stop in bounds)
    return boundaries + largest
    # END LAB lab07_memory


def segments_for_budget(activation_bytes: list[int], budget: int) -> int:
    """The fewest segments whose checkpoint_peak fits in `budget` bytes; ValueError when none does."""
    # BEGIN LAB lab07_memory segments_for_budget
    for segments in range(1, len(activation_bytes) + 1):
        if checkpoint_peak(activation_bytes, segments) <= budget:
            return segments
    best = min(checkpoint_peak(activation_bytes, k) for k in range(1, len(activation_bytes) + 1))
    raise ValueError(f"no number of segments fits {budget} bytes: the least peak is {best} bytes")
    # END LAB lab07_memory
