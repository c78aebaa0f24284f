"""dlsys_lab's own profiler: `with dl.profile() as prof:` records every op call, forward and backward.

`prof.table(sort_by="total")` lists the costliest ops; `prof.export_chrome_trace(path)` writes a trace that
Perfetto (ui.perfetto.dev) and chrome://tracing open, next to torch.profiler's trace of the same model.
"""
from dlsys_lab.profiler.events import OpEvent
from dlsys_lab.profiler.recorder import Profile, profile

__all__ = ["OpEvent", "Profile", "profile"]
