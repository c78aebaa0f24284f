"""python -m dlsys_lab.serve.load URL --rate R --duration S --concurrency C: offer a server load and report
throughput, latency percentiles and errors. Loopback only.

The client is raw asyncio (uvloop where installed): keep-alive HTTP/1.1 connections, one request at a time on
each, request bytes encoded once per body, responses read by Content-Length. A general client (aiohttp, httpx)
costs more CPU a request than the server it measures, and here both share the same cores. Inputs are sent as
the shortest decimals that read back as the same float32 numbers. Transport errors carry aiohttp's names:
ClientConnectorError (could not connect), ServerDisconnectedError (the connection closed before the whole
response came), ClientOSError (another socket error), TimeoutError (no response within the timeout).
Open loop (the default): requests arrive as a Poisson process of rate R, whether or not earlier ones were
answered; an arrival that finds C requests in flight is dropped and counted. Closed loop (--mode closed): C
clients each send their next request as soon as the last is answered. Both stop after S seconds or N requests;
requests still unanswered `timeout_s` later are cancelled and counted as TimeoutError.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import time
from urllib.parse import urlsplit

import httpx
import numpy as np
from pydantic import BaseModel

from .schemas import ModelInfo

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
MODES = ("open", "closed")
REFUSED = "ClientConnectorError"
DISCONNECTED = "ServerDisconnectedError"


class Outcome(BaseModel):
    """One request: its index (which rows it sent), HTTP status (0 when no response came) and latency."""

    index: int
    status: int
    latency_s: float
    batch_size: int | None = None
    outputs: list | None = None
    error: str | None = None


class LoadReport(BaseModel):
    """What a load run measured; `outcomes` holds every request when asked for."""

    url: str
    mode: str
    rate: float
    concurrency: int
    offered: int
    sent: int
    dropped: int
    elapsed_s: float
    statuses: dict[str, int]
    transport_errors: dict[str, int]
    throughput_rps: float
    latency_ms: dict[str, float]
    mean_batch_size: float | None
    outcomes: list[Outcome] = []

    @property
    def ok(self) -> int:
        """Requests answered 200."""
        return self.statuses.get("200", 0)

    def table(self) -> str:
        """A few lines for people."""
        lat = self.latency_ms
        return "\n".join([
            f"{self.mode}-loop load on {self.url}: rate {self.rate:g}/s, concurrency {self.concurrency}",
            f"offered {self.offered}, sent {self.sent}, dropped {self.dropped} in {self.elapsed_s:.2f} s",
            f"statuses {self.statuses}; transport errors {self.transport_errors}",
            f"throughput {self.throughput_rps:.1f} req/s; latency ms p50 {lat.get('p50', float('nan')):.2f} "
            f"p95 {lat.get('p95', float('nan')):.2f} p99 {lat.get('p99', float('nan')):.2f}; "
            f"mean batch size {self.mean_batch_size if self.mean_batch_size is not None else float('nan'):.2f}"])


def predict_url(url: str) -> str:
    """URL's /v1/predict endpoint; refuses any host but loopback."""
    parts = urlsplit(url)
    if parts.hostname not in LOOPBACK_HOSTS:
        raise ValueError(f"{url}: the load generator only targets loopback ({', '.join(LOOPBACK_HOSTS)})")
    return url if parts.path not in ("", "/") else url.rstrip("/") + "/v1/predict"


class TransportError(Exception):
    """A request that got no complete response; its name (aiohttp's) says why."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection, one request at a time; a response is complete at Content-Length."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop, self.transport, self.buffer, self.waiter, self.closed = loop, None, bytearray(), None, False
        self.head = b""  # the last response's status line and headers, lowercased

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0 or self.waiter is None or self.waiter.done():
            return
        head = bytes(self.buffer[:end]).lower()
        at = head.find(b"\r\ncontent-length:")
        if at < 0:  # (our server always sends one; chunked answers are not read)
            self.waiter.set_exception(TransportError("ClientResponseError"))
            return
        stop = head.find(b"\r\n", at + 2)
        size = end + 4 + int(head[at + 17:stop if stop > 0 else None])
        if len(self.buffer) >= size:
            body, keep = bytes(self.buffer[end + 4:size]), b"\r\nconnection: close" not in head
            del self.buffer[:size]
            self.head = head
            self.waiter.set_result((int(head[9:12]), body, keep, time.perf_counter()))

    def connection_lost(self, exc) -> None:
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(TransportError(DISCONNECTED if exc is None else "ClientOSError"))

    async def request(self, data: bytes) -> tuple[int, bytes, bool, float]:
        """(status, body, keep-alive, when the response was complete) for the request bytes `data`."""
        self.waiter = self.loop.create_future()
        self.transport.write(data)
        return await self.waiter


class _Load:
    """One run's state: the idle connections, the request bytes, and the outcomes so far."""

    def __init__(self, url: str, inputs: np.ndarray, rows: int, keep_outputs: bool):
        self.url, self.inputs, self.rows, self.keep_outputs = url, inputs, rows, keep_outputs
        parts = urlsplit(url)
        self.host, self.port, self.path = parts.hostname, parts.port or 80, parts.path
        self.outcomes: list[tuple] = []  # (index, status, latency_s, batch_size, outputs, error)
        self.idle: list[_Connection] = []
        self._requests: dict[int, bytes] = {}

    def request(self, index: int) -> bytes:
        """The HTTP request of request `index` (rows index * rows, ...), encoded once per distinct body."""
        key = index % len(self.inputs)
        if key not in self._requests:
            picked = self.inputs[[(index * self.rows + j) % len(self.inputs) for j in range(self.rows)]]
            shortest = picked.astype(str).astype(np.float64)  # (each float32's shortest decimal, read back)
            body = json.dumps({"inputs": shortest.tolist()}).encode()
            self._requests[key] = (f"POST {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                                   f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                                   ).encode() + body
        return self._requests[key]

    async def _connection(self) -> _Connection:
        while self.idle:
            connection = self.idle.pop()
            if not connection.closed:
                return connection
        loop = asyncio.get_running_loop()
        try:
            return (await loop.create_connection(lambda: _Connection(loop), self.host, self.port))[1]
        except OSError:
            raise TransportError(REFUSED) from None

    async def send(self, index: int) -> str | None:
        """Send request `index`, record its outcome; its transport error's name, if any."""
        start, connection = time.perf_counter(), None
        try:
            connection = await self._connection()
            status, body, keep, end = await connection.request(self.request(index))
        except (TransportError, OSError, asyncio.CancelledError) as err:
            name = err.name if isinstance(err, TransportError) else (
                "TimeoutError" if isinstance(err, asyncio.CancelledError) else "ClientOSError")
            self.outcomes.append((index, 0, time.perf_counter() - start, None, None, name))
            if connection is not None:
                connection.transport.close()
            if isinstance(err, asyncio.CancelledError):
                raise
            return name
        if keep:
            self.idle.append(connection)
        else:
            connection.transport.close()
        batch_size = outputs = None
        if status == 200:
            if self.keep_outputs:
                answer = json.loads(body)
                batch_size, outputs = answer["batch_size"], answer["outputs"]
            else:
                batch_size = _batch_size(body)
        self.outcomes.append((index, status, end - start, batch_size, outputs, None))
        return None

    def close(self) -> None:
        """Close the idle connections."""
        for connection in self.idle:
            connection.transport.close()
        self.idle.clear()


def _batch_size(body: bytes) -> int:
    """An answer's batch_size, without parsing its outputs (read with json where the answer looks unusual)."""
    at = body.rfind(b'"batch_size":')
    try:
        return int(body[at + 13:].rstrip(b"} \n"))
    except ValueError:
        return json.loads(body)["batch_size"]


async def _open_loop(load, rate, duration_s, concurrency, max_requests, seed, tasks) -> tuple[int, int]:
    rng, loop = np.random.default_rng(seed), asyncio.get_running_loop()
    start, last, offered, dropped = loop.time(), 0.0, 0, 0
    while True:
        for arrival in (last + np.cumsum(rng.exponential(1.0 / rate, 1024))).tolist():  # (1024 draws at a time)
            if arrival > duration_s or offered >= max_requests:
                return offered, dropped
            delay = start + arrival - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if len(tasks) >= concurrency:
                dropped += 1
            else:
                task = loop.create_task(load.send(offered))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            offered += 1
        last = arrival


async def _closed_loop(load, duration_s, concurrency, max_requests, tasks) -> tuple[int, int]:
    loop, counter = asyncio.get_running_loop(), itertools.count()
    deadline = loop.time() + duration_s

    async def client_loop():
        while loop.time() < deadline and (index := next(counter)) < max_requests:
            if await load.send(index) == REFUSED:
                return  # refused: the server is gone

    tasks.update(loop.create_task(client_loop()) for _ in range(concurrency))
    return 0, 0


async def run_load_async(url: str, inputs: np.ndarray, rate: float = 100.0, duration_s: float = 10.0,
                         concurrency: int = 32, mode: str = "open", max_requests: int | None = None, rows: int = 1,
                         seed: int = 0, keep_outcomes: bool = False, timeout_s: float = 60.0) -> LoadReport:
    """Offer load to URL's /v1/predict: request i sends `rows` rows of inputs starting at row i * rows."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; modes are: {', '.join(MODES)}")
    if mode == "open" and rate <= 0:
        raise ValueError(f"an open-loop run needs a positive rate, got {rate}")
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")
    load = _Load(predict_url(url), np.asarray(inputs, np.float32), rows, keep_outcomes)
    max_requests = sys.maxsize if max_requests is None else max_requests
    start, tasks = time.perf_counter(), set()
    try:
        if mode == "open":
            offered, dropped = await _open_loop(load, rate, duration_s, concurrency, max_requests, seed, tasks)
        else:
            offered, dropped = await _closed_loop(load, duration_s, concurrency, max_requests, tasks)
        if tasks:
            await asyncio.wait(set(tasks), timeout=timeout_s + (0 if mode == "open" else duration_s))
    finally:
        for task in tasks:
            task.cancel()  # (unanswered after the timeout: each records a TimeoutError)
        await asyncio.gather(*tasks, return_exceptions=True)
        load.close()
    offered = offered if mode == "open" else len(load.outcomes)
    return _report(load, url, mode, rate, concurrency, offered, dropped, time.perf_counter() - start, keep_outcomes)


def _report(load, url, mode, rate, concurrency, offered, dropped, elapsed, keep_outcomes) -> LoadReport:
    outcomes = sorted(load.outcomes)
    ok = [o for o in outcomes if o[1] == 200]
    latencies = np.array([o[2] for o in ok]) * 1000
    percentiles = dict(zip(("p50", "p95", "p99"), np.percentile(latencies, [50, 95, 99]))) if len(ok) else {}
    statuses = {str(s): n for s, n in sorted(_count(o[1] for o in outcomes if o[1]).items())}
    return LoadReport(
        url=url, mode=mode, rate=rate, concurrency=concurrency, offered=offered, sent=len(outcomes),
        dropped=dropped, elapsed_s=elapsed, statuses=statuses, transport_errors=_count(o[5] for o in outcomes if o[5]),
        throughput_rps=len(ok) / elapsed if elapsed > 0 else 0.0,
        latency_ms={**{k: float(v) for k, v in percentiles.items()},
                    **({"mean": float(latencies.mean())} if len(ok) else {})},
        mean_batch_size=float(np.mean([o[3] for o in ok])) if ok else None,
        outcomes=[Outcome(index=i, status=st, latency_s=lat, batch_size=bs, outputs=out, error=err)
                  for i, st, lat, bs, out, err in outcomes] if keep_outcomes else [])


def _count(items) -> dict:
    counts: dict = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return counts


def run_load(url: str, inputs: np.ndarray, **options) -> LoadReport:
    """run_load_async in a fresh event loop, uvloop's where installed (for scripts and tests)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(run_load_async(url, inputs, **options))
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(run_load_async(url, inputs, **options))


def random_inputs(url: str, count: int = 256, seed: int = 0) -> np.ndarray:
    """`count` rows in [0, 1) of the shape the server at URL expects (from GET /v1/model; 1 where any size goes)."""
    base = predict_url(url).rsplit("/v1/predict", 1)[0]
    info = ModelInfo.model_validate(httpx.get(f"{base}/v1/model", timeout=10.0).json())
    shape = tuple(1 if d is None else d for d in info.input_shape)
    return np.random.default_rng(seed).uniform(0, 1, (count, *shape)).astype(np.float32)


def main(argv=None) -> int:
    """Command line: run, then print the report (a table, or JSON with --json)."""
    parser = argparse.ArgumentParser(prog="python -m dlsys_lab.serve.load", description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the server, e.g. http://127.0.0.1:8000 (loopback only)")
    parser.add_argument("--rate", type=float, default=100.0, help="open loop: mean arrivals per second")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds to offer load")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight at most (closed: clients)")
    parser.add_argument("--mode", choices=MODES, default="open")
    parser.add_argument("--requests", type=int, default=None, help="stop after this many requests")
    parser.add_argument("--rows", type=int, default=1, help="rows per request")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    try:
        inputs = random_inputs(args.url, seed=args.seed)
    except ValueError as err:
        parser.error(str(err))
    report = run_load(args.url, inputs, rate=args.rate, duration_s=args.duration, concurrency=args.concurrency,
                      mode=args.mode, max_requests=args.requests, rows=args.rows, seed=args.seed)
    print(report.model_dump_json(indent=1) if args.json else report.table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
