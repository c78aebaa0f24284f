"""python -m dlsys_lab.serve.load URL --rate R --duration S --concurrency C: offer a server load and report
throughput, latency percentiles and errors. Loopback only.

The client is aiohttp: httpx's async client costs about 5 ms of CPU a request here, more than the server.
Open loop (the default): requests arrive as a Poisson process of rate R, whether or not earlier ones were
answered; an arrival that finds C requests in flight is dropped and counted. Closed loop (--mode closed): C
clients each send their next request as soon as the last is answered. Both stop after S seconds or N requests.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import time
from urllib.parse import urlsplit

import aiohttp
import httpx
import numpy as np
from pydantic import BaseModel

from .schemas import ModelInfo

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
MODES = ("open", "closed")
REFUSED = aiohttp.ClientConnectorError.__name__
_JSON = {"content-type": "application/json"}


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


class _Load:
    """One run's state: the client, the request bodies, and the outcomes so far."""

    def __init__(self, url: str, inputs: np.ndarray, rows: int, keep_outputs: bool):
        self.url, self.inputs, self.rows, self.keep_outputs = url, inputs, rows, keep_outputs
        self.outcomes: list[Outcome] = []
        self._bodies: dict[int, bytes] = {}

    def body(self, index: int) -> bytes:
        key = index % len(self.inputs)
        if key not in self._bodies:
            picked = self.inputs[[(index * self.rows + j) % len(self.inputs) for j in range(self.rows)]]
            self._bodies[key] = json.dumps({"inputs": picked.tolist()}).encode()
        return self._bodies[key]

    async def send(self, client: aiohttp.ClientSession, index: int) -> Outcome:
        start = time.perf_counter()
        try:
            async with client.post(self.url, data=self.body(index), headers=_JSON) as response:
                payload = await response.read()
        except (aiohttp.ClientError, asyncio.TimeoutError) as err:
            outcome = Outcome(index=index, status=0, latency_s=time.perf_counter() - start, error=type(err).__name__)
        else:
            outcome = Outcome(index=index, status=response.status, latency_s=time.perf_counter() - start)
            if response.status == 200:
                answer = json.loads(payload)
                outcome.batch_size = answer["batch_size"]
                outcome.outputs = answer["outputs"] if self.keep_outputs else None
        self.outcomes.append(outcome)
        return outcome


async def _open_loop(load, client, rate, duration_s, concurrency, max_requests, seed) -> tuple[int, int]:
    rng, loop = np.random.default_rng(seed), asyncio.get_running_loop()
    start, arrival, offered, dropped, tasks = loop.time(), 0.0, 0, 0, set()
    while offered < max_requests:
        arrival += rng.exponential(1.0 / rate)
        if arrival > duration_s:
            break
        await asyncio.sleep(max(0.0, start + arrival - loop.time()))
        if len(tasks) >= concurrency:
            dropped += 1
        else:
            task = asyncio.create_task(load.send(client, offered))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        offered += 1
    await asyncio.gather(*tasks)
    return offered, dropped


async def _closed_loop(load, client, duration_s, concurrency, max_requests) -> tuple[int, int]:
    loop, counter = asyncio.get_running_loop(), itertools.count()
    deadline = loop.time() + duration_s

    async def client_loop():
        while loop.time() < deadline and (index := next(counter)) < max_requests:
            if (await load.send(client, index)).error == REFUSED:
                return  # refused: the server is gone

    await asyncio.gather(*(client_loop() for _ in range(concurrency)))
    sent = len(load.outcomes)
    return sent, 0


async def run_load_async(url: str, inputs: np.ndarray, rate: float = 100.0, duration_s: float = 10.0,
                         concurrency: int = 32, mode: str = "open", max_requests: int | None = None, rows: int = 1,
                         seed: int = 0, keep_outcomes: bool = False) -> LoadReport:
    """Offer load to URL's /v1/predict: request i sends `rows` rows of inputs starting at row i * rows."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; modes are: {', '.join(MODES)}")
    if mode == "open" and rate <= 0:
        raise ValueError(f"an open-loop run needs a positive rate, got {rate}")
    load = _Load(predict_url(url), np.asarray(inputs, np.float32), rows, keep_outcomes)
    max_requests = sys.maxsize if max_requests is None else max_requests
    start = time.perf_counter()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency),
                                     timeout=aiohttp.ClientTimeout(total=60.0)) as client:
        if mode == "open":
            offered, dropped = await _open_loop(load, client, rate, duration_s, concurrency, max_requests, seed)
        else:
            offered, dropped = await _closed_loop(load, client, duration_s, concurrency, max_requests)
    return _report(load, url, mode, rate, concurrency, offered, dropped, time.perf_counter() - start, keep_outcomes)


def _report(load, url, mode, rate, concurrency, offered, dropped, elapsed, keep_outcomes) -> LoadReport:
    outcomes = sorted(load.outcomes, key=lambda o: o.index)
    ok = [o for o in outcomes if o.status == 200]
    latencies = np.array([o.latency_s for o in ok]) * 1000
    percentiles = dict(zip(("p50", "p95", "p99"), np.percentile(latencies, [50, 95, 99]))) if len(ok) else {}
    statuses = {str(s): n for s, n in sorted(_count(o.status for o in outcomes if o.status).items())}
    return LoadReport(
        url=url, mode=mode, rate=rate, concurrency=concurrency, offered=offered, sent=len(outcomes),
        dropped=dropped, elapsed_s=elapsed, statuses=statuses, transport_errors=_count(o.error for o in outcomes
                                                                                       if o.error),
        throughput_rps=len(ok) / elapsed if elapsed > 0 else 0.0,
        latency_ms={**{k: float(v) for k, v in percentiles.items()},
                    **({"mean": float(latencies.mean())} if len(ok) else {})},
        mean_batch_size=float(np.mean([o.batch_size for o in ok])) if ok else None,
        outcomes=outcomes if keep_outcomes else [])


def _count(items) -> dict:
    counts: dict = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return counts


def run_load(url: str, inputs: np.ndarray, **options) -> LoadReport:
    """run_load_async in a fresh event loop (for scripts and tests)."""
    return asyncio.run(run_load_async(url, inputs, **options))


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
