"""python -m dlsys_lab.serve against the load generator, each server on a free loopback port and stopped at the
end: answers equal offline inference, batching under concurrency, overload, bad input, SIGTERM."""
import asyncio
import json
import re
import signal
import threading
import time

import httpx
import numpy as np
import pytest

import dlsys_lab as dl
from dlsys_lab import nn
from dlsys_lab.serve import ServerProcess, load_runtime
from dlsys_lab.serve.load import _Connection, run_load

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("serve")]  # one worker starts each server once


@pytest.fixture(scope="module")
def mlp_onnx(tmp_path_factory):
    """The digits MLP shape (64-256-256-10), seeded weights, exported with dl.export.to_onnx."""
    nn.init.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
    path = tmp_path_factory.mktemp("serve") / "mlp.onnx"
    dl.export.to_onnx(model, dl.Tensor(np.zeros((1, 64), np.float32)), path)
    return path


@pytest.fixture(scope="module")
def inputs():
    return np.random.default_rng(0).uniform(0, 1, (500, 64)).astype(np.float32)


CPU_KERNELS = dl.device("cpu").available()  # (built here, once, rather than by a server within its start-up time)


@pytest.fixture(scope="module", params=["dlsys", "onnxruntime"])
def server(request, mlp_onnx):
    with ServerProcess(mlp_onnx, runtime=request.param, max_batch=32, max_wait_ms=5, max_queue=1024) as process:
        process.runtime = request.param
        yield process


def test_500_requests_at_concurrency_32_equal_offline_inference(server, mlp_onnx, inputs):
    report = run_load(server.url, inputs, mode="closed", concurrency=32, max_requests=500, duration_s=120,
                      keep_outcomes=True)
    assert report.statuses == {"200": 500} and not report.transport_errors
    expected = load_runtime(mlp_onnx, server.runtime).run(inputs)
    served = np.array([o.outputs[0] for o in report.outcomes], np.float32)
    if server.runtime == "dlsys" and not CPU_KERNELS:  # NumPy's BLAS: the last bits depend on the batch size
        np.testing.assert_allclose(served, expected, rtol=1e-5, atol=1e-6)
    else:
        np.testing.assert_array_equal(served, expected)  # bit for bit, whatever the batches were
    assert report.mean_batch_size > 1
    assert max(o.batch_size for o in report.outcomes) <= 32


@pytest.mark.parametrize("body, status, says", [
    ("{not json", 400, "malformed JSON"),
    ('{"inputs": [[1, 2, 3]]}', 422, "expected rows of shape (64,)"),
    ('{"inputs": [[NaN' + ", 0" * 63 + "]]}", 422, "finite number"),
    ('{"inputs": [[Infinity' + ", 0" * 63 + "]]}", 422, "finite number"),
    ('{"inputs": [[1e39' + ", 0" * 63 + "]]}", 422, "float32's range"),
    ('{"inputs": [[' + "0, " * 63 + '"x"]]}', 422, "expected"),
    ('{"inputs": [[' + "0, " * 63 + "0], [0]]}", 422, "ragged"),
    ('{"inputs": []}', 422, "at least 1 item"),
    ('{"inputs": [[' + "0, " * 63 + '0]], "extra": 1}', 422, "extra"),
    ('{"inputs": [' + ", ".join(["[" + ", ".join(["0"] * 64) + "]"] * 33) + "]}", 422, "at most max-batch = 32"),
])
def test_bad_input_gets_4xx_naming_what_was_expected_and_the_next_request_succeeds(server, body, status, says):
    with httpx.Client(base_url=server.url) as client:
        bad = client.post("/v1/predict", content=body, headers={"content-type": "application/json"})
        assert bad.status_code == status and says in bad.json()["detail"], bad.text
        good = client.post("/v1/predict", json={"inputs": [[0.5] * 64]})
        assert good.status_code == 200 and len(good.json()["outputs"]) == 1


def test_health_model_info_and_prometheus_metrics(server):
    with httpx.Client(base_url=server.url) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/v1/model").json()["input_shape"] == [64]
        client.post("/v1/predict", json={"inputs": [[0.0] * 64, [1.0] * 64]})
        metrics = client.get("/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    for name in ('dlsys_serve_responses_total{path="/v1/predict",status="200"}', "dlsys_serve_queue_depth",
                 'dlsys_serve_batch_size_bucket{le="32.0"}', "dlsys_serve_request_latency_seconds_bucket"):
        assert name in metrics.text


async def _burst(url, n):
    """(status, Retry-After) of n requests written at once, on n connections opened beforehand (a client that
    opened its connections one request at a time would be slower than the server it means to overload)."""
    loop, port = asyncio.get_running_loop(), int(url.rsplit(":", 1)[1])
    connections = [(await loop.create_connection(lambda: _Connection(loop), "127.0.0.1", port))[1] for _ in range(n)]
    body = json.dumps({"inputs": [[0.5] * 64]}).encode()
    request = (b"POST /v1/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               b"Content-Length: %d\r\n\r\n" % len(body)) + body
    answers = await asyncio.gather(*(connection.request(request) for connection in connections))
    for connection in connections:
        connection.transport.close()
    retries = [re.search(rb"\r\nretry-after: *(\S+)", connection.head) for connection in connections]
    return [(status, retry and retry[1].decode()) for (status, *_), retry in zip(answers, retries)]


def test_overload_gives_only_200_and_503_with_retry_after(mlp_onnx, inputs):
    with ServerProcess(mlp_onnx, max_batch=1, max_wait_ms=0, max_queue=2) as server:
        report = run_load(server.url, inputs, mode="closed", concurrency=32, max_requests=300, duration_s=60)
        responses = asyncio.run(_burst(server.url, 48))
    assert set(report.statuses) == {"200", "503"} and not report.transport_errors, report.table()
    assert {status for status, _ in responses} == {200, 503}
    assert all(retry == "1" for status, retry in responses if status == 503)


def test_sigterm_during_load_loses_no_accepted_request(mlp_onnx, inputs):
    server = ServerProcess(mlp_onnx, max_batch=8, max_wait_ms=20, max_queue=1024)
    try:
        reports = []
        client = threading.Thread(target=lambda: reports.append(run_load(
            server.url, inputs, mode="closed", concurrency=16, duration_s=30, max_requests=20000)))
        client.start()
        time.sleep(1.0)  # load is flowing
        server.terminate()
        client.join(60)
        assert server.process.wait(30) in (0, -signal.SIGTERM)  # (uvicorn re-raises the signal it handled)
    finally:
        summary = server.stop()
    (report,) = reports
    assert set(report.statuses) == {"200"}, report.table()  # nothing accepted was failed or cut off
    assert report.ok == summary.responses["/v1/predict"]["200"] > 0  # every answer the server sent arrived
    assert set(report.transport_errors) <= {"ClientConnectorError", "ServerDisconnectedError", "ClientOSError"}


def test_an_int8_model_from_onnxruntime_quantization_serves_too(mlp_onnx, tmp_path, inputs):
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantized = tmp_path / "mlp_int8.onnx"
    quantize_dynamic(str(mlp_onnx), str(quantized), weight_type=QuantType.QInt8)
    with ServerProcess(quantized, runtime="onnxruntime") as server:
        report = run_load(server.url, inputs[:64], mode="closed", concurrency=8, max_requests=64, keep_outcomes=True)
    assert report.statuses == {"200": 64}
    served = np.array([o.outputs[0] for o in report.outcomes])
    expected = load_runtime(mlp_onnx, "onnxruntime").run(inputs[:64])
    assert np.abs(served - expected).max() < 0.05 * np.abs(expected).max()  # int8 weights: close, not equal


def test_generate_streams_the_tokens_that_offline_generation_makes(mlp_onnx, tmp_path):
    from dlsys_lab.data.text import char_corpus
    from dlsys_lab.models import TransformerLM, generate
    from dlsys_lab.serve import save_lm

    corpus = char_corpus(50)
    nn.init.manual_seed(0)
    lm = TransformerLM(corpus.vocab_size, d_model=32, nhead=2, num_layers=1, dim_feedforward=64, max_len=48)
    save_lm(tmp_path / "lm.npz", lm, corpus.chars)
    prompt, request = corpus.text[:10], {"max_new_tokens": 20, "temperature": 0.8, "seed": 3}
    with ServerProcess(mlp_onnx, lm=tmp_path / "lm.npz") as server:
        with httpx.stream("POST", f"{server.url}/v1/generate", json={"prompt": prompt, **request}) as response:
            assert response.headers["content-type"] == "application/x-ndjson"
            lines = [json.loads(line) for line in response.iter_lines() if line]
        unknown = httpx.post(f"{server.url}/v1/generate", json={"prompt": "\u2603"})
        too_long = httpx.post(f"{server.url}/v1/generate", json={"prompt": prompt, "max_new_tokens": 100})
        malformed = httpx.post(f"{server.url}/v1/generate", json={"prompt": prompt, "temperature": -1})
    expected = corpus.decode(generate(lm, corpus.encode(prompt)[None], 20, 0.8, seed=3)[0])
    assert [line["token"] for line in lines[:-1]] == list(expected[len(prompt):])
    assert lines[-1] == {"text": expected, "new_tokens": 20}
    assert unknown.status_code == 422 and "not in the vocabulary" in unknown.json()["detail"]
    assert too_long.status_code == 422 and "max_len = 48" in too_long.json()["detail"]
    assert malformed.status_code == 422 and '"temperature": a number >= 0' in malformed.json()["detail"]
