"""POST /v1/predict as a lean ASGI endpoint: the request path of a served model, where every microsecond per
request counts (the digits MLP's forward pass costs less than the HTTP around it).

The body is parsed with json and checked with NumPy, without a pydantic model per request; the answer is
encoded with json; metrics are counted directly. The contract is PredictRequest/PredictResponse/ErrorBody's
(schemas.py): 400 for malformed JSON, 422 for wrong fields, shapes or non-finite numbers, 503 with Retry-After
when the queue is full, each with a detail that says what was expected.
"""
from __future__ import annotations

import json
import time

import numpy as np

from .batcher import DynamicBatcher, QueueFull
from .metrics import ServerMetrics
from .schemas import PredictResponse

RETRY_AFTER_S = 1
FLOAT32_LIMIT = float(np.finfo(np.float32).max) + 2.0 ** 103  # (doubles from here on round to inf in float32)
PATH = "/v1/predict"
_JSON_HEADERS = [(b"content-type", b"application/json")]


class BadInput(ValueError):
    """A request the server refuses: its HTTP status and a detail naming what was expected."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status, self.detail = status, detail


def shape_text(row_shape: tuple[int | None, ...]) -> str:
    """A row's shape as people write it: (64,) or (1, 8, any)."""
    return str(tuple("any" if d is None else d for d in row_shape)).replace("'", "")


def expected_text(row_shape: tuple[int | None, ...], max_batch: int) -> str:
    """What /v1/predict expects, for error messages."""
    return (f'expected {{"inputs": [row, ...]}} with 1 to {max_batch} rows of shape {shape_text(row_shape)} '
            f'of finite numbers')


def rows_for(inputs, row_shape: tuple[int | None, ...], max_batch: int) -> np.ndarray:
    """The request's rows as one float32 array, checked against one row's shape and max_batch (BadInput 422)."""
    if not isinstance(inputs, list) or not inputs:
        raise BadInput(422, f"inputs: expected a list of at least 1 item (rows of shape {shape_text(row_shape)})")
    try:
        rows = np.asarray(inputs, dtype=np.float64)  # (null becomes NaN, "1.5" 1.5, as pydantic reads them)
    except (ValueError, TypeError, OverflowError):
        expected = shape_text(row_shape)
        if _ragged(inputs):
            raise BadInput(422, f"inputs are ragged; expected every row to have shape {expected}") from None
        raise BadInput(422, f"inputs: expected numbers in rows of shape {expected}") from None
    if rows.shape[1:] != row_shape and (rows.ndim != len(row_shape) + 1 or any(
            d is not None and d != s for d, s in zip(row_shape, rows.shape[1:]))):
        raise BadInput(422, f"expected rows of shape {shape_text(row_shape)}, got rows of shape {rows.shape[1:]}")
    if len(rows) > max_batch:
        raise BadInput(422, f"expected at most max-batch = {max_batch} rows in a request, got {len(rows)}")
    if rows.size and not np.abs(rows).max() < FLOAT32_LIMIT:  # (NaN compares False too)
        raise BadInput(422, "expected finite numbers within float32's range")
    return rows.astype(np.float32)


def _ragged(inputs: list) -> bool:
    """Whether nested lists mix lengths or depths (else what failed to convert was not a number)."""
    level = inputs
    while lists := [x for x in level if isinstance(x, list)]:
        if len(lists) != len(level) or len({len(x) for x in lists}) > 1:
            return True
        level = [y for x in lists for y in x]
    return False


def parse_request(body: bytes, row_shape: tuple[int | None, ...], max_batch: int) -> np.ndarray:
    """The rows of a /v1/predict body, or BadInput (400: not JSON; 422: not {"inputs": rows})."""
    try:
        payload = json.loads(body)
    except ValueError:  # (UnicodeDecodeError and JSONDecodeError both are)
        raise BadInput(400, f"malformed JSON; {expected_text(row_shape, max_batch)}") from None
    if not isinstance(payload, dict):
        raise BadInput(422, f"body: a JSON object is required; {expected_text(row_shape, max_batch)}")
    if "inputs" not in payload:
        raise BadInput(422, f"inputs: Field required; {expected_text(row_shape, max_batch)}")
    if len(payload) > 1:
        extra = ", ".join(sorted(k for k in payload if k != "inputs"))
        raise BadInput(422, f"{extra}: extra inputs are not permitted; {expected_text(row_shape, max_batch)}")
    return rows_for(payload["inputs"], row_shape, max_batch)


def encode_answer(outputs: np.ndarray, model: str, batch_size: int) -> bytes:
    """PredictResponse's JSON (non-finite outputs become null, as pydantic writes them)."""
    try:
        return json.dumps({"outputs": outputs.tolist(), "model": model, "batch_size": batch_size},
                          allow_nan=False, separators=(",", ":")).encode()
    except ValueError:
        return PredictResponse(outputs=outputs.tolist(), model=model, batch_size=batch_size).model_dump_json().encode()


class PredictEndpoint:
    """The ASGI app of POST /v1/predict: read the body, check it, queue its rows in the batcher, answer."""

    def __init__(self, batcher: DynamicBatcher, metrics: ServerMetrics, model: str,
                 row_shape: tuple[int | None, ...]):
        self.batcher, self.metrics, self.model, self.row_shape = batcher, metrics, model, row_shape
        self._ok = metrics.responses.labels(PATH, "200")  # (labelled children found once, not per request)
        self._latency = metrics.latency.labels(PATH)

    async def __call__(self, scope, receive, send) -> None:
        start = time.perf_counter()
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        try:
            rows = parse_request(body, self.row_shape, self.batcher.max_batch)
            result = await self.batcher.submit(rows)
        except BadInput as err:
            return await self._refuse(send, start, err.status, err.detail)
        except QueueFull as err:
            return await self._refuse(send, start, 503, f"{err}; retry after {RETRY_AFTER_S} s",
                                      [(b"retry-after", str(RETRY_AFTER_S).encode())])
        answer = encode_answer(result.outputs, self.model, result.batch_size)
        await send({"type": "http.response.start", "status": 200,
                    "headers": [*_JSON_HEADERS, (b"content-length", str(len(answer)).encode())]})
        await send({"type": "http.response.body", "body": answer})
        self._ok.inc()
        self._latency.observe(time.perf_counter() - start)

    async def _refuse(self, send, start: float, status: int, detail: str, headers=()) -> None:
        body = json.dumps({"detail": detail}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [*_JSON_HEADERS, (b"content-length", str(len(body)).encode()), *headers]})
        await send({"type": "http.response.body", "body": body})
        self.metrics.observe_response(PATH, status, time.perf_counter() - start)
