"""The FastAPI application: /v1/predict through the dynamic batcher, /v1/model, /healthz and /metrics.

POST /v1/predict is a lean ASGI endpoint (predict.py) that the app hands each predict request to before FastAPI's
middleware, routing and pydantic validation, which together cost more per request than the model (ServeApp);
the other routes are ordinary FastAPI routes.

Bad requests get 400 (malformed JSON) or 422 (wrong fields, shapes or non-finite numbers) with a detail that
says what was expected; a full queue gets 503 with Retry-After. Neither disturbs the requests around them.
When uvicorn shuts down (after answering every request in flight), the app prints a ServeSummary line.
"""
from __future__ import annotations

import gc
import sys
import time
from contextlib import asynccontextmanager

import numpy as np
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse

from .batcher import DynamicBatcher
from .generate import TextGenerator
from .metrics import CountResponses, ServerMetrics
from .predict import PATH, PredictEndpoint
from .runtime import Runtime
from .schemas import (ErrorBody, GenerateRequest, Health, ModelInfo, PredictRequest, PredictResponse,
                      ServeSummary)


def _error(status: int, detail: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse(ErrorBody(detail=detail).model_dump(), status_code=status, headers=headers)


INLINE_FORWARD_S = 0.001  # forward passes shorter than this run in the event loop (DynamicBatcher's in_thread)


def full_batch_seconds(runtime: Runtime, max_batch: int, repeat: int = 3) -> float:
    """The fastest of `repeat` forward passes of max_batch zero rows (also warms the model up)."""
    batch = np.zeros((max_batch, *(1 if d is None else d for d in runtime.row_shape)), np.float32)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        runtime.run(batch)
        times.append(time.perf_counter() - start)
    return min(times)


class ServeApp(FastAPI):
    """A FastAPI app that serves POST /v1/predict with its `predict` ASGI endpoint, everything else as usual."""

    predict: PredictEndpoint

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"] == PATH and scope["method"] == "POST":
            return await self.predict(scope, receive, send)
        return await super().__call__(scope, receive, send)


def create_app(runtime: Runtime, max_batch: int = 32, max_wait_ms: float = 5.0, max_queue: int = 256,
               generator: TextGenerator | None = None) -> FastAPI:
    """The server's app for `runtime`, batching up to max_batch rows or max_wait_ms, queueing max_queue requests;
    with a generator, also POST /v1/generate (tokens streamed as JSON lines)."""
    metrics = ServerMetrics(lambda: batcher.depth)
    in_thread = full_batch_seconds(runtime, max_batch) > INLINE_FORWARD_S
    batcher = DynamicBatcher(runtime.run, max_batch, max_wait_ms / 1000, max_queue, metrics.observe_batch, in_thread)
    info = ModelInfo(model=runtime.model_name, runtime=runtime.name, input_shape=list(runtime.row_shape),
                     max_batch=max_batch, max_wait_ms=max_wait_ms, max_queue=max_queue)

    @asynccontextmanager
    async def lifespan(app):
        batcher.start()
        gc.freeze()  # the model and the libraries live as long as the server: out of every collection's scan
        yield
        await batcher.close()  # after uvicorn has answered every request in flight
        print(ServeSummary(responses=metrics.response_counts()).line(), file=sys.stderr, flush=True)

    app = ServeApp(title="dlsys_lab.serve", lifespan=lifespan)
    app.state.metrics, app.state.batcher = metrics, batcher
    app.predict = PredictEndpoint(batcher, metrics, runtime.model_name, runtime.row_shape)
    app.add_middleware(CountResponses, metrics=metrics)  # (the other routes; the endpoint counts its own)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        errors = exc.errors()  # (only /v1/generate takes a body through FastAPI's validation)
        expected = ('expected {"prompt": text, "max_new_tokens": 1 to 1024, "temperature": a number >= 0, '
                    '"seed": an integer}')
        if any(e.get("type") == "json_invalid" for e in errors):
            return _error(400, f"malformed JSON; {expected}")
        first = errors[0]
        return _error(422, f"{'.'.join(map(str, first['loc']))}: {first['msg']}; {expected}")

    @app.post(PATH, response_model=PredictResponse, responses={code: {"model": ErrorBody} for code in (400, 422, 503)})
    async def predict(request: PredictRequest):  # (the route's documentation, and 405 for other methods)
        raise RuntimeError("ServeApp answers POST /v1/predict before FastAPI's routing")

    if generator is not None:
        @app.post("/v1/generate", responses={422: {"model": ErrorBody}})
        async def generate(request: GenerateRequest):
            problem = generator.check(request)
            if problem:
                return _error(422, problem)
            return StreamingResponse(generator.stream(request), media_type="application/x-ndjson")

    @app.get("/v1/model", response_model=ModelInfo)
    async def model_info():
        return info

    @app.get("/healthz", response_model=Health)
    async def healthz():
        return Health()

    @app.get("/metrics")
    async def prometheus():
        return Response(metrics.render(), media_type=metrics.content_type)

    return app
