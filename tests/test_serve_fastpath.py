"""The lean request path's parts alone (no server): /v1/predict's checks against pydantic's reading of the same
body, the write-gathering transport, the load generator's request bytes and its transport errors."""
import asyncio
import json

import numpy as np
import pytest

from dlsys_lab.serve import PredictRequest
from dlsys_lab.serve.batcher import DynamicBatcher
from dlsys_lab.serve.load import _Load, run_load
from dlsys_lab.serve.predict import FLOAT32_LIMIT, BadInput, encode_answer, parse_request
from dlsys_lab.serve.process import free_port
from dlsys_lab.serve.protocol import GatheringTransport
from dlsys_lab.serve.schemas import PredictResponse

ROW = [0.25] * 64


@pytest.mark.parametrize("row", [ROW, [1] * 64, ["1.5"] * 64, [3.4028235e38] * 64, [-1e-45] * 64])
def test_accepted_rows_are_what_pydantic_reads_as_float32(row):
    body = json.dumps({"inputs": [row, row]}).encode()
    expected = np.asarray(PredictRequest.model_validate_json(body).inputs, np.float32)
    np.testing.assert_array_equal(parse_request(body, (64,), 32), expected)


@pytest.mark.parametrize("value", [None, float("nan"), float("inf"), FLOAT32_LIMIT, {"a": 1}, [1.0]])
def test_refused_numbers_get_422(value):
    body = json.dumps({"inputs": [ROW[:63] + [value]]}).encode()
    with pytest.raises(BadInput) as err:
        parse_request(body, (64,), 32)
    assert err.value.status == 422 and "expected" in err.value.detail


def test_the_answer_is_pydantics_json_read_back():
    outputs = np.array([[0.1, -2.5e-8, 3.0], [np.nan, 1.0, 2.0]], np.float32)
    for rows in (outputs[:1], outputs):
        ours, theirs = (json.loads(encode_answer(rows, "m", 7)),
                        json.loads(PredictResponse(outputs=rows.tolist(), model="m", batch_size=7).model_dump_json()))
        assert ours == theirs


class _Recorder:
    def __init__(self):
        self.writes, self.closed = [], False

    def write(self, data):
        self.writes.append(data)

    def is_closing(self):
        return self.closed

    def close(self):
        self.closed = True

    def get_extra_info(self, name):
        return name


def test_writes_within_one_loop_step_reach_the_socket_as_one():
    async def main():
        recorder = _Recorder()
        transport = GatheringTransport(recorder, asyncio.get_running_loop())
        transport.write(b"head ")
        transport.write(b"body")
        assert recorder.writes == []
        await asyncio.sleep(0)
        transport.write(b"last")
        transport.close()  # flushes first
        return recorder, transport.get_extra_info("peername")

    recorder, forwarded = asyncio.run(main())
    assert recorder.writes == [b"head body", b"last"] and recorder.closed and forwarded == "peername"


def test_request_bytes_carry_each_float32_exactly():
    inputs = np.random.default_rng(0).standard_normal((8, 64)).astype(np.float32) * 1e3
    load = _Load("http://127.0.0.1:1/v1/predict", inputs, rows=2, keep_outputs=False)
    head, body = load.request(3).split(b"\r\n\r\n", 1)
    assert head.startswith(b"POST /v1/predict HTTP/1.1\r\n") and f"Content-Length: {len(body)}".encode() in head
    np.testing.assert_array_equal(np.asarray(json.loads(body)["inputs"], np.float32), inputs[[6, 7]])


def test_a_refused_connection_is_counted_not_raised():
    report = run_load(f"http://127.0.0.1:{free_port()}", np.zeros((4, 64), np.float32), mode="closed",
                      concurrency=2, max_requests=10, duration_s=5)
    assert report.ok == 0 and report.transport_errors == {"ClientConnectorError": 2}


def test_inline_and_threaded_forward_passes_answer_alike():
    requests = [np.full((1 + i % 3, 2), float(i)) for i in range(30)]

    async def serve(in_thread):
        batcher = DynamicBatcher(lambda batch: batch * 2, 8, 0.01, 100, in_thread=in_thread)
        batcher.start()
        try:
            return await asyncio.gather(*(batcher.submit(rows) for rows in requests))
        finally:
            await batcher.close()

    for in_thread in (False, True):
        for rows, result in zip(requests, asyncio.run(serve(in_thread))):
            np.testing.assert_array_equal(result.outputs, rows * 2)
            assert len(rows) <= result.batch_size <= 8
