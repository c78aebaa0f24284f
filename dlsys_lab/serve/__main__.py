"""python -m dlsys_lab.serve MODEL.onnx --host 127.0.0.1 --port P --max-batch B --max-wait-ms T --max-queue Q
--runtime dlsys|onnxruntime: serve an ONNX model over HTTP with dynamic batching (FastAPI + uvicorn).

SIGTERM (or Ctrl-C) stops accepting connections, answers every request already accepted, prints a summary line
(responses by path and status) and exits; uvicorn then re-raises the signal, so the exit status says SIGTERM.
"""
from __future__ import annotations

import argparse
import os
import sys

from .runtime import RUNTIMES


def parse_args(argv=None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m dlsys_lab.serve", description=__doc__.splitlines()[0])
    parser.add_argument("model", help="an ONNX file (from dl.export.to_onnx, torch.onnx.export, ...)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--max-batch", type=int, default=32, help="rows per forward pass at most")
    parser.add_argument("--max-wait-ms", type=float, default=5.0, help="how long the oldest request waits for others")
    parser.add_argument("--max-queue", type=int, default=256, help="queued requests before new ones get 503")
    parser.add_argument("--runtime", choices=RUNTIMES, default="dlsys")
    parser.add_argument("--device", choices=("cpu", "numpy"), default=None,
                        help="the dlsys runtime's device (default: cpu where our kernels are built)")
    parser.add_argument("--threads", type=int, default=1, help="threads of the forward pass (OpenMP, BLAS, ORT)")
    parser.add_argument("--lm", default=None, help="a TransformerLM saved by dlsys_lab.serve.generate.save_lm: "
                        "enables POST /v1/generate")
    parser.add_argument("--log-level", default="warning", help="uvicorn's log level")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    """Load the model and serve until SIGTERM."""
    args = parse_args(argv)
    # OpenMP reads this once, when torch loads it; a limit set later would bind only the calling thread, not the
    # batcher's forward thread (the cpu device's matmul would then start a thread team per batch).
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    import uvicorn
    from threadpoolctl import threadpool_limits

    from .app import create_app
    from .generate import TextGenerator, load_lm
    from .protocol import GatheringHttpToolsProtocol
    from .runtime import load_runtime

    runtime = load_runtime(args.model, args.runtime, args.threads, args.device)
    threadpool_limits(args.threads)  # BLAS
    generator = TextGenerator(*load_lm(args.lm)) if args.lm else None
    app = create_app(runtime, args.max_batch, args.max_wait_ms, args.max_queue, generator)
    # (uvicorn's httptools protocol, each answer in one write; uvloop where installed; no access log and no
    # proxy-header rewriting: each costs microseconds a request, and this server listens for clients directly)
    server = uvicorn.Server(uvicorn.Config(app, host=args.host, port=args.port, log_level=args.log_level,
                                           http=GatheringHttpToolsProtocol, access_log=False, proxy_headers=False))
    server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
