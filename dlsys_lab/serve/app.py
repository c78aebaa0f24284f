"""The FastAPI application: /v1/predict through the dynamic batcher, /v1/model, /healthz and /metrics.

Bad requests get 400 (malformed JSON) or 422 (wrong fields, shapes or non-finite numbers) with a detail that
says what was expected; a full queue gets 503 with Retry-After. Neither disturbs the requests around them.
When uvicorn shuts down (after answering every request in flight), the app prints a ServeSummary line.
"""
from __future__ import annotations

import sys
from contextlib import asynccontextmanager

import numpy as np
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse

from .batcher import DynamicBatcher, QueueFull
from .metrics import CountResponses, ServerMetrics
from .runtime import Runtime
from .generate import TextGenerator
from .schemas import (ErrorBody, GenerateRequest, Health, ModelInfo, PredictRequest, PredictResponse,
                      ServeSummary)

RETRY_AFTER_S = 1


class BadInput(ValueError):
    """Rows that do not fit the model; the message names the expected shape."""


def _error(status: int, detail: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse(ErrorBody(detail=detail).model_dump(), status_code=status, headers=headers)


def shape_text(row_shape: tuple[int | None, ...]) -> str:
    """A row's shape as people write it: (64,) or (1, 8, any)."""
    return str(tuple("any" if d is None else d for d in row_shape)).replace("'", "")


def rows_for(inputs: list, row_shape: tuple[int | None, ...], max_batch: int) -> np.ndarray:
    """The request's rows as one float32 array, checked against one row's shape and max_batch."""
    expected = shape_text(row_shape)
    try:
        rows = np.asarray(inputs, dtype=np.float32)
    except ValueError:
        raise BadInput(f"inputs are ragged; expected every row to have shape {expected}") from None
    if rows.ndim != len(row_shape) + 1 or any(d is not None and d != s for d, s in zip(row_shape, rows.shape[1:])):
        raise BadInput(f"expected rows of shape {expected}, got rows of shape {tuple(rows.shape[1:])}")
    if len(rows) > max_batch:
        raise BadInput(f"expected at most max-batch = {max_batch} rows in a request, got {len(rows)}")
    if not np.isfinite(rows).all():  # finite doubles beyond float32's range
        raise BadInput("expected finite numbers within float32's range")
    return rows


def create_app(runtime: Runtime, max_batch: int = 32, max_wait_ms: float = 5.0, max_queue: int = 256,
               generator: TextGenerator | None = None) -> FastAPI:
    """The server's app for `runtime`, batching up to max_batch rows or max_wait_ms, queueing max_queue requests;
    with a generator, also POST /v1/generate (tokens streamed as JSON lines)."""
    metrics = ServerMetrics(lambda: batcher.depth)
    batcher = DynamicBatcher(runtime.run, max_batch, max_wait_ms / 1000, max_queue, metrics.observe_batch)
    info = ModelInfo(model=runtime.model_name, runtime=runtime.name, input_shape=list(runtime.row_shape),
                     max_batch=max_batch, max_wait_ms=max_wait_ms, max_queue=max_queue)

    @asynccontextmanager
    async def lifespan(app):
        batcher.start()
        yield
        await batcher.close()  # after uvicorn has answered every request in flight
        print(ServeSummary(responses=metrics.response_counts()).line(), file=sys.stderr, flush=True)

    app = FastAPI(title="dlsys_lab.serve", lifespan=lifespan)
    app.state.metrics, app.state.batcher = metrics, batcher

    app.add_middleware(CountResponses, metrics=metrics)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        errors = exc.errors()
        if request.url.path == "/v1/generate":
            expected = ('expected {"prompt": text, "max_new_tokens": 1 to 1024, "temperature": a number >= 0, '
                        '"seed": an integer}')
        else:
            expected = (f'expected {{"inputs": [row, ...]}} with 1 to {max_batch} rows of shape '
                        f'{shape_text(runtime.row_shape)} of finite numbers')
        if any(e.get("type") == "json_invalid" for e in errors):
            return _error(400, f"malformed JSON; {expected}")
        first = errors[0]  # (for a number in a row, each kind of row the union allows reports one error)
        return _error(422, f"{'.'.join(map(str, first['loc']))}: {first['msg']}; {expected}")

    @app.post("/v1/predict", response_model=PredictResponse,
              responses={400: {"model": ErrorBody}, 422: {"model": ErrorBody}, 503: {"model": ErrorBody}})
    async def predict(request: PredictRequest):
        try:
            rows = rows_for(request.inputs, runtime.row_shape, max_batch)
        except BadInput as err:
            return _error(422, str(err))
        try:
            result = await batcher.submit(rows)
        except QueueFull as err:
            return _error(503, f"{err}; retry after {RETRY_AFTER_S} s", {"Retry-After": str(RETRY_AFTER_S)})
        answer = PredictResponse(outputs=result.outputs.tolist(), model=runtime.model_name,
                                 batch_size=result.batch_size)
        return Response(answer.model_dump_json(), media_type="application/json")  # (validated once, just above)

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
