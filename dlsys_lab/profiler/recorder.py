"""The recorder behind `dl.profile()`: it installs itself in autodiff's op hook for the `with` block.

Each forward op call and each node's backward is timed with perf_counter_ns; ops that a backward calls are
recorded inside it (depth + 1), so the trace nests like the calls did.
"""
from __future__ import annotations

import threading
import time

from dlsys_lab.autodiff.hooks import OP_HOOK
from dlsys_lab.profiler.events import OpEvent, dtype_name, forward_record, output_info
from dlsys_lab.profiler.report import chrome_trace, summary_rows, write_chrome_trace, format_table

class Profile:
    """Records op calls while active; read `events`, `table()` and `export_chrome_trace()` after the block."""

    def __init__(self):
        self._raw: list[tuple] = []  # cheap tuples while recording (an op's class or a span's name); OpEvents when read
        self._events: list[OpEvent] = []
        self._depth = 0
        self._phase = "forward"
        self._previous = None
        self._thread = threading.get_ident()

    # the context ---------------------------------------------------------------------------
    def __enter__(self) -> "Profile":
        if OP_HOOK.profiler is not None:
            raise RuntimeError("dl.profile() is already active; nested profiling is not supported (use one block)")
        if OP_HOOK.tracer is not None:
            raise RuntimeError("dl.profile() cannot start while dl.export traces a model")
        self._previous, OP_HOOK.profiler = OP_HOOK.profiler, self
        return self

    def __exit__(self, *exc) -> None:
        OP_HOOK.profiler = self._previous

    # called by autodiff ----------------------------------------------------------------------
    def forward(self, op, arrays, out, start: int, end: int, device) -> None:
        """Record one forward call that `op` made on `arrays` between `start` and `end` (perf_counter_ns).

        Its phase is "backward" when a backward called it. A forward works on arrays and calls no other op.
        """
        shapes, out_shape, dtype, nbytes = forward_record(out, arrays)
        self._raw.append((type(op), "", self._phase, start, end, self._depth, shapes, out_shape, device, dtype, nbytes))

    def backward(self, node, out_grad):
        """Run the backward of `node`'s op for gradient `out_grad` and record the call."""
        depth, phase = self._depth, self._phase
        self._depth, self._phase = depth + 1, "backward"
        start = time.perf_counter_ns()
        try:
            grads = node.op.backward(out_grad, node)
        finally:
            self._depth, self._phase = depth, phase
        end = time.perf_counter_ns()
        seed = (out_grad.data,)
        dtype, nbytes, shape = None, 0, ()
        for g in grads:
            if g is not None:
                dtype, allocated = output_info(g.data, seed)
                nbytes += allocated
                shape = shape or g.data.shape
        self._raw.append((type(node.op), ".backward", "backward", start, end, depth, (seed[0].shape,), shape,
                          node.device, dtype if dtype is not None else output_info(seed[0], ())[0], nbytes))
        return grads

    def add_span(self, name, phase, start, end):
        """Record an interval that is not an op call (profiler/spans.py: a DataLoader's wait for a batch)."""
        self._raw.append((name, "", phase, start, end, self._depth, (), (), "host", "", 0))

    @property
    def events(self) -> list[OpEvent]:
        """The recorded calls in the order they ended (a call made inside another ends first)."""
        if len(self._events) != len(self._raw):
            self._events = [OpEvent(_name(what) + suffix, phase, start, end, depth, shapes, out_shape,
                                    dtype_name(dtype), str(device), nbytes, self._thread)
                            for what, suffix, phase, start, end, depth, shapes, out_shape, device, dtype, nbytes
                            in self._raw]
        return self._events

    # reading the results ---------------------------------------------------------------------
    def table(self, sort_by: str = "total", top: int = 15) -> str:
        """A text table of ops grouped by name: calls, total/self/mean time, bytes allocated; prints and returns it."""
        text = format_table(summary_rows(self.events, sort_by), top)
        print(text)
        return text

    def rows(self, sort_by: str = "total") -> list[dict]:
        """The table's rows as dicts (name, phase, calls, total_us, self_us, mean_us, bytes)."""
        return summary_rows(self.events, sort_by)

    def chrome_trace(self) -> dict:
        """The events as a Chrome/Perfetto trace dict ({"traceEvents": [...]}, times in microseconds)."""
        return chrome_trace(self.events)

    def export_chrome_trace(self, path) -> None:
        """Write the trace JSON to `path`; open it at ui.perfetto.dev or chrome://tracing."""
        write_chrome_trace(self.events, path)


def _name(what) -> str:
    """An event's name from what the recorder kept: an op's class, or a span's name."""
    return what if isinstance(what, str) else what.__name__


def profile() -> Profile:
    """A context manager recording every dlsys_lab op call in its block: `with dl.profile() as prof: ...`."""
    return Profile()
