"""The server's Prometheus metrics: responses by path and status, queue depth, batch sizes, latencies.

Each server has its own registry, so several apps in one process (tests) do not share counters.
"""
from __future__ import annotations

import time
from typing import Callable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class ServerMetrics:
    """Counters and histograms of one server, rendered in Prometheus' text format by `render`."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self, queue_depth: Callable[[], int]):
        self.registry = CollectorRegistry()
        self.responses = Counter("dlsys_serve_responses", "HTTP responses sent, by path and status",
                                 ["path", "status"], registry=self.registry)
        self.latency = Histogram("dlsys_serve_request_latency_seconds", "time from request to response, by path",
                                 ["path"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.batch_size = Histogram("dlsys_serve_batch_size", "rows per forward pass", buckets=BATCH_BUCKETS,
                                    registry=self.registry)
        self.forward_seconds = Histogram("dlsys_serve_forward_seconds", "time of one forward pass",
                                         buckets=LATENCY_BUCKETS, registry=self.registry)
        Gauge("dlsys_serve_queue_depth", "requests waiting for a forward pass",
              registry=self.registry).set_function(queue_depth)

    def observe_response(self, path: str, status: int, seconds: float) -> None:
        """Count one response and its latency."""
        self.responses.labels(path, str(status)).inc()
        self.latency.labels(path).observe(seconds)

    def observe_batch(self, rows: int, seconds: float) -> None:
        """Record one forward pass."""
        self.batch_size.observe(rows)
        self.forward_seconds.observe(seconds)

    def response_counts(self) -> dict[str, dict[str, int]]:
        """{path: {status: count}} of the responses sent so far."""
        counts: dict[str, dict[str, int]] = {}
        for sample in self.responses.collect()[0].samples:
            if sample.name.endswith("_total"):
                counts.setdefault(sample.labels["path"], {})[sample.labels["status"]] = int(sample.value)
        return counts

    def render(self) -> bytes:
        """All metrics in Prometheus' text exposition format."""
        return generate_latest(self.registry)


class CountResponses:
    """ASGI middleware that records every HTTP response's status and latency in `metrics` (a plain ASGI wrapper:
    Starlette's BaseHTTPMiddleware would cost more per request than the whole model)."""

    def __init__(self, app, metrics: ServerMetrics):
        self.app, self.metrics = app, metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start, status = time.perf_counter(), 500

        async def send_and_note(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            self.metrics.observe_response(scope["path"], status, time.perf_counter() - start)
