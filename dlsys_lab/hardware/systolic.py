"""A systolic array stepped cycle by cycle: C = A @ B on a rows x cols grid of multiply-accumulate units.

Three dataflows, mapped as SCALE-Sim v3 maps them (A is M x K, B is K x N):
- "os", output stationary: each unit keeps one C element; M on the rows, N on the columns, K streams in time.
- "ws", weight stationary: each unit keeps one B element; K on the rows, N on the columns, M streams in time.
- "is", input stationary: each unit keeps one A element; K on the rows, M on the columns, N streams in time.
A GEMM larger than the array is cut into folds, run one after the other; a partial fold costs a full one.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

DATAFLOWS = ("os", "ws", "is")
_TRACE_LIMIT = (65_536, 1_024)  # most MACs (M x N x K) and units (rows x cols) a trace keeps: a widget's GEMM


@dataclass
class Trace:
    """What each unit held in each cycle (for the widget): grids of shape (cycles, rows, cols)."""

    fold: np.ndarray        # (cycles,) the fold running in each cycle
    loading: np.ndarray     # (cycles,) True while the stationary operand is shifted in (ws, is)
    horizontal: np.ndarray  # the operand moving right: A (os, ws) or B transposed (is)
    vertical: np.ndarray    # what moves down: B (os), the stationary operand while loading, then partial sums
    stationary: np.ndarray  # what stays: the accumulators (os) or the loaded operand (ws, is)
    busy: np.ndarray        # True where a unit did a useful multiply-accumulate


@dataclass
class Stats:
    """Counts of one simulated GEMM. `cycles` counts as SCALE-Sim does: the index of the last busy cycle,
    numbering from 0, which is one less than the clock ticks stepped (`ticks`)."""

    dataflow: str
    rows: int
    cols: int
    shape: tuple  # (M, N, K)
    ticks: int
    folds: int
    macs: int
    active: np.ndarray = field(repr=False)  # (ticks,) units doing a useful multiply-accumulate in each tick
    trace: Trace | None = field(default=None, repr=False)

    @property
    def cycles(self) -> int:
        """Compute cycles including fill and drain (no memory stalls), as SCALE-Sim v3 reports them."""
        return self.ticks - 1

    @property
    def utilization(self) -> float:
        """Useful multiply-accumulates / (rows x cols x cycles), SCALE-Sim's overall utilization."""
        return self.macs / (self.rows * self.cols * self.cycles)


def simulate(A, B, rows: int, cols: int, dataflow: str = "os", trace: bool = False):
    """C = A @ B stepped through a rows x cols systolic array; returns (C, Stats).

    Integer inputs give C exactly (accumulated in int64); floating inputs accumulate in float64.
    With trace=True, Stats.trace records every unit's registers in every cycle (small GEMMs only).
    """
    A, B = np.asarray(A), np.asarray(B)
    if A.ndim != 2 or B.ndim != 2 or A.shape[1] != B.shape[0]:
        raise ValueError(f"simulate needs A (M x K) and B (K x N), got shapes {A.shape} and {B.shape}")
    if dataflow not in DATAFLOWS:
        raise ValueError(f"unknown dataflow {dataflow!r}; choose one of {', '.join(DATAFLOWS)}")
    if int(rows) != rows or int(cols) != cols or rows < 1 or cols < 1 or rows * cols < 2:
        raise ValueError(f"a systolic array needs whole rows and columns and at least two units, got {rows} x {cols}")
    (M, K), N = A.shape, B.shape[1]
    if min(M, N, K) == 0:
        raise ValueError(f"simulate needs a non-empty GEMM, got M={M}, N={N}, K={K}")
    dtype = np.int64 if np.issubdtype(A.dtype, np.integer) and np.issubdtype(B.dtype, np.integer) else np.float64
    A, B = A.astype(dtype), B.astype(dtype)
    if trace and (M * N * K > _TRACE_LIMIT[0] or rows * cols > _TRACE_LIMIT[1]):
        raise ValueError(f"trace=True keeps every unit's registers in every cycle: use at most "
                         f"{_TRACE_LIMIT[0]} MACs on at most {_TRACE_LIMIT[1]} units (this is M={M}, N={N}, K={K} "
                         f"on {rows} x {cols})")
    rec = _Recorder(trace)
    if dataflow == "os":
        C = _output_stationary(A, B, rows, cols, rec)
    elif dataflow == "ws":
        C = _weight_stationary(A, B, rows, cols, rec)
    else:  # input stationary is weight stationary on the transposed problem: C^T = B^T @ A^T
        C = _weight_stationary(B.T, A.T, rows, cols, rec).T
    stats = Stats(dataflow, rows, cols, (M, N, K), rec.ticks, rec.fold + 1, M * N * K,
                  np.array(rec.active, dtype=np.int64), rec.finish())
    return C, stats


def estimate(M: int, N: int, K: int, rows: int, cols: int, dataflow: str = "os"):
    """(cycles, folds, utilization) of an M x N x K GEMM on a rows x cols array, in closed form: the numbers
    `simulate` steps out, counted as SCALE-Sim counts them (cycles = index of the last busy cycle)."""
    # BEGIN LAB lab05_kernels estimate
    spatial = {"os": (M, N), "ws": (K, N), "is": (K, M)}[dataflow]
    streamed = {"os": K, "ws": M, "is": N}[dataflow]
    folds = math.ceil(spatial[0] / rows) * math.ceil(spatial[1] / cols)
    load = 0 if dataflow == "os" else rows  # ws and is shift the stationary operand in, one row per cycle
    cycles = folds * (load + streamed + rows + cols - 2) - 1
    return cycles, folds, M * N * K / (rows * cols * cycles)
    # END LAB lab05_kernels


def _padded(x, shape):
    """x zero-padded to shape, and the mask of its real entries."""
    out, real = np.zeros(shape, x.dtype), np.zeros(shape, bool)
    out[:x.shape[0], :x.shape[1]], real[:x.shape[0], :x.shape[1]] = x, True
    return out, real


def _skewed(stream, real, cycles):
    """What enters the array's edge in each cycle, (cycles, lanes): lane r takes stream[r, t - r] in cycle t,
    r cycles late, so that operands meeting in a unit belong together; and whether each is a real operand."""
    lanes = np.arange(stream.shape[0])
    step = np.arange(cycles)[:, None] - lanes
    ok = (step >= 0) & (step < stream.shape[1])
    step = np.clip(step, 0, stream.shape[1] - 1)
    return np.where(ok, stream[lanes, step], 0), ok & real[lanes, step]


def _output_stationary(A, B, rows, cols, rec):
    """Each unit (i, j) accumulates C[i, j] of its fold; A moves right, B moves down, K steps in time."""
    (M, K), N = A.shape, B.shape[1]
    C = np.zeros((M, N), A.dtype)
    for i0 in range(0, M, rows):
        for j0 in range(0, N, cols):
            a, a_real = _padded(A[i0:i0 + rows], (rows, K))
            bt, b_real = _padded(B[:, j0:j0 + cols].T, (cols, K))
            h, h_real = np.zeros((rows, cols), A.dtype), np.zeros((rows, cols), bool)
            v, v_real = np.zeros_like(h), np.zeros_like(h_real)
            acc = np.zeros_like(h)
            cycles = K + rows + cols - 2
            a_in, a_in_real = _skewed(a, a_real, cycles)
            b_in, b_in_real = _skewed(bt, b_real, cycles)
            rec.new_fold()
            for t in range(cycles):
                _shift_right(h, h_real, a_in[t], a_in_real[t])
                _shift_down(v, v_real, b_in[t], b_in_real[t])
                acc += h * v
                rec.tick(False, h, v, acc, h_real & v_real)
            C[i0:i0 + rows, j0:j0 + cols] = acc[:min(rows, M - i0), :min(cols, N - j0)]
    return C


def _weight_stationary(A, W, rows, cols, rec):
    """Each unit (k, j) holds W[k, j] of its fold; A's rows stream right, partial sums flow down and leave
    at the bottom edge; the partial results of the folds along K are summed in the output buffer."""
    (M, K), N = A.shape, W.shape[1]
    C = np.zeros((M, N), A.dtype)
    for k0 in range(0, K, rows):
        for j0 in range(0, N, cols):
            w, w_real = _padded(W[k0:k0 + rows, j0:j0 + cols], (rows, cols))
            at, a_real = _padded(A[:, k0:k0 + rows].T, (rows, M))
            held, held_real = np.zeros_like(w), np.zeros_like(w_real)
            h, h_real = np.zeros_like(w), np.zeros_like(w_real)
            psum = np.zeros_like(w)
            out = np.zeros((M + cols, cols), A.dtype)
            rec.new_fold()
            for t in range(rows):  # load: the fold's operand enters at the top, one row per cycle
                _shift_down(held, held_real, w[rows - 1 - t], w_real[rows - 1 - t])
                rec.tick(True, h, held, held, np.zeros_like(w_real))
            lanes, cycles = np.arange(cols), M + rows + cols - 2
            a_in, a_in_real = _skewed(at, a_real, cycles)
            for t in range(cycles):
                _shift_right(h, h_real, a_in[t], a_in_real[t])
                psum[1:] = psum[:-1]
                psum[0] = 0
                psum += h * held
                m = t - (rows - 1) - lanes  # the output row leaving the bottom of column j in cycle t
                leaving = m >= 0
                out[m[leaving], lanes[leaving]] = psum[-1, leaving]
                rec.tick(False, h, psum, held, h_real & held_real)
            C[:, j0:j0 + cols] += out[:M, :min(cols, N - j0)]
    return C


def _shift_right(reg, real, entering, entering_real):
    reg[:, 1:], real[:, 1:] = reg[:, :-1], real[:, :-1]
    reg[:, 0], real[:, 0] = entering, entering_real


def _shift_down(reg, real, entering, entering_real):
    reg[1:], real[1:] = reg[:-1], real[:-1]
    reg[0], real[0] = entering, entering_real


class _Recorder:
    """Counts busy units per tick and, when tracing, copies every register grid."""

    def __init__(self, keep: bool):
        self.keep, self.active, self.fold, self.ticks = keep, [], -1, 0
        self.grids = {key: [] for key in ("fold", "loading", "horizontal", "vertical", "stationary", "busy")}

    def new_fold(self):
        self.fold += 1

    def tick(self, loading, horizontal, vertical, stationary, busy):
        self.ticks += 1
        self.active.append(np.count_nonzero(busy))
        if self.keep:
            for key, value in zip(self.grids, (self.fold, loading, horizontal, vertical, stationary, busy)):
                self.grids[key].append(np.copy(value))

    def finish(self):
        return Trace(**{key: np.array(values) for key, values in self.grids.items()}) if self.keep else None
