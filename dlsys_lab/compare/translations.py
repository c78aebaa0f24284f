"""Translations of one model between frameworks, measured: what converts, what breaks (with the error), the op
vocabulary that survives, output differences against the source framework, file sizes and times.

Routes: torch -> ONNX by both torch.onnx exporters (TorchScript-based and dynamo) -> onnxruntime and -> dlsys_lab
(dl.export.from_onnx); Keras 3 -> ONNX by model.export on the TensorFlow backend (which calls tf2onnx) and on the
torch backend, and by tf2onnx itself (convert.from_function converts; convert.from_keras breaks on Keras 3);
JAX -> jaxpr -> StableHLO text; MXNet Gluon -> ONNX (mx.onnx) in the MXNet venv's interpreter, the file then run
here. Seconds are the export plus the first run. Each route is a function returning a Translation;
`translation_table` runs them all and `SideBySideTable` shows them.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import time
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..data import digits
from ..logs import quiet
from ..student import NotWrittenYet
from .table import SideBySideTable


@dataclass
class Translation:
    """One route: did it convert, the target's node count and op vocabulary, the input shape it accepts, the
    largest output difference from the source framework, the artifact's size in bytes, seconds, and the error
    (or why the route was not attempted here)."""

    route: str
    ok: bool
    nodes: int | None = None
    ops: str = ""
    input_shape: str = ""
    max_abs_diff: float | None = None
    size_bytes: int | None = None
    seconds: float = 0.0
    error: str = ""
    attempted: bool = True

    def row(self) -> dict:
        """The table row of this route."""
        converts = "yes" if self.ok else "no" if self.attempted else "not run"
        return {"route": self.route, "converts": converts, "nodes": self.nodes, "ops": self.ops,
                "input shape": self.input_shape, "max |diff|": self.max_abs_diff, "bytes": self.size_bytes,
                "seconds": round(self.seconds, 2), "error": self.error}


def _vocabulary(op_types) -> str:
    counts = Counter(op_types)
    return ", ".join(f"{op} x{n}" if n > 1 else op for op, n in counts.most_common())


def _failed(route: str, err: BaseException, start: float) -> Translation:
    first = (str(err).strip().splitlines() or [""])[0][:160]
    return Translation(route, False, seconds=time.perf_counter() - start, error=f"{type(err).__name__}: {first}")


def _onnx_facts(path: Path) -> tuple[int, str, str]:
    import onnx

    model = onnx.load(str(path))
    dims = model.graph.input[0].type.tensor_type.shape.dim
    shape = "(" + ", ".join(d.dim_param or (str(d.dim_value) if d.HasField("dim_value") else "?") for d in dims) + ")"
    return len(model.graph.node), _vocabulary(n.op_type for n in model.graph.node), shape


def onnxruntime_outputs(path: Path, x: np.ndarray) -> np.ndarray:
    """The first output of the ONNX file at `path` on x, in onnxruntime on the CPU."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3  # errors only: mx.onnx lists its weights as graph inputs too, which ORT warns about
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: x})[0]


def small_cnn(seed: int = 0, epochs: int = 3):
    """A small CNN for 8x8 digits (conv, relu, max pool, linear) trained in torch on dl.data.digits' train split."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    train, _ = digits(flatten=False)
    x, y = (torch.from_numpy(a) for a in train.arrays)
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(128, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(epochs):
        for start in range(0, len(x), 64):
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x[start:start + 64]), y[start:start + 64]).backward()
            optimizer.step()
    return model.eval()


def torch_to_onnx(model, x: np.ndarray, folder: Path, dynamo: bool) -> list[Translation]:
    """torch -> ONNX by one exporter, then the file -> onnxruntime and -> dlsys_lab; two rows (or one failed)."""
    import torch

    exporter = "dynamo" if dynamo else "TorchScript"
    path = folder / f"cnn_{exporter}.onnx"
    start = time.perf_counter()
    try:
        with torch.no_grad():
            want = model(torch.from_numpy(x)).numpy()
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), quiet("torch.onnx"):
            warnings.simplefilter("ignore")
            torch.onnx.export(model, (torch.from_numpy(x),), str(path), dynamo=dynamo, input_names=["input"],
                              dynamic_axes=None if dynamo else {"input": {0: "batch"}},
                              dynamic_shapes=({0: torch.export.Dim("batch")},) if dynamo else None)
    except Exception as err:  # noqa: BLE001 -- the table reports what broke
        return [_failed(f"torch -> ONNX ({exporter})", err, start)]
    return onnx_targets(f"torch -> ONNX ({exporter})", path, x, want, time.perf_counter() - start)


def onnx_targets(route: str, path: Path, x: np.ndarray, want: np.ndarray, exported: float) -> list[Translation]:
    """The ONNX file at `path` run in onnxruntime and in dlsys_lab (from_onnx) on x, against `want`: two rows."""
    from .. import export

    nodes, ops, shape = _onnx_facts(path)
    rows = []
    for target, run in (("onnxruntime", lambda: onnxruntime_outputs(path, x)),
                        ("dlsys_lab", lambda: export.from_onnx(path)(x).numpy())):
        begin = time.perf_counter()
        try:
            got = run()
        except NotWrittenYet:  # a piece of a graded lab not written yet is no property of the translation
            raise
        except Exception as err:  # noqa: BLE001 -- the table reports what broke
            rows.append(_failed(f"{route} -> {target}", err, begin))
            continue
        rows.append(Translation(f"{route} -> {target}", True, nodes, ops, shape, float(np.abs(got - want).max()),
                                path.stat().st_size, exported + time.perf_counter() - begin))
    return rows


def keras_model(seed: int = 0):
    """The same architecture in Keras 3 (NHWC), randomly initialized."""
    import keras

    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(8, 3, padding="same", activation="relu"),
                             keras.layers.MaxPooling2D(2), keras.layers.Flatten(), keras.layers.Dense(10)])


KERAS_EXPORTERS = {"tensorflow": ("model.export", "tf2onnx.convert.from_function", "tf2onnx.convert.from_keras"),
                   "torch": ("model.export",)}


def _keras_file(folder: Path, backend: str, exporter: str) -> Path:
    return folder / f"keras_{backend}_{exporter.split('.')[-1]}.onnx"


def export_keras(folder: str, images: str) -> None:
    """Export keras_model() to ONNX by each of KERAS_EXPORTERS[backend] into `folder` and write, next to the files,
    `keras_<backend>.npy` (Keras' own outputs on the NHWC array in the .npy file `images`) and `keras_<backend>.json`
    ({exporter: [error or "", seconds]}): run in a process of its own, whose KERAS_BACKEND picks the backend."""
    import keras

    backend, folder = keras.backend.backend(), Path(folder)
    model = keras_model()
    x = np.load(images)
    np.save(folder / f"keras_{backend}.npy", model.predict(x, verbose=0))
    report = {}
    # tf2onnx on its own first: model.export patches tf2onnx for NumPy 2 (keras.src.export.tf2onnx_lib) on its first
    # call, and the tf2onnx rows should show what tf2onnx 1.17 does unpatched
    for exporter in sorted(KERAS_EXPORTERS[backend], key=lambda name: name == "model.export"):
        path = str(_keras_file(folder, backend, exporter))
        start = time.perf_counter()
        try:
            if exporter == "model.export":
                model.export(path, format="onnx", verbose=False)
            else:  # tf2onnx itself, on a tf.function of the model (what model.export hands it) or on the model
                import tensorflow as tf
                import tf2onnx

                spec = (tf.TensorSpec((None, 8, 8, 1), tf.float32, name="input"),)
                if exporter.endswith("from_function"):
                    function = tf.function(lambda images: model(images, training=False), input_signature=spec)
                    tf2onnx.convert.from_function(function, input_signature=spec, opset=17, output_path=path)
                else:
                    tf2onnx.convert.from_keras(model, input_signature=spec, opset=17, output_path=path)
            report[exporter] = ["", time.perf_counter() - start]
        except Exception as err:  # noqa: BLE001 -- the table reports what broke
            first = (str(err).strip().splitlines() or [""])[0][:160]
            report[exporter] = [f"{type(err).__name__}: {first}", time.perf_counter() - start]
    report = {exporter: report[exporter] for exporter in KERAS_EXPORTERS[backend]}
    (folder / f"keras_{backend}.json").write_text(json.dumps(report))


def keras_to_onnx(x: np.ndarray, folder: Path, backends=("tensorflow", "torch")) -> list[Translation]:
    """Keras 3 -> ONNX through model.export(format="onnx") on each backend and through tf2onnx on the TensorFlow
    backend (each backend in a fresh process: a process has one Keras backend), run in onnxruntime and dlsys_lab
    against Keras' own outputs. Seconds are the export (measured in that process) plus the first run."""
    images = folder / "digits_nhwc.npy"
    np.save(images, np.ascontiguousarray(x.transpose(0, 2, 3, 1)))
    rows = []
    for backend in backends:
        start = time.perf_counter()
        code = ("from dlsys_lab.compare.translations import export_keras; "
                f"export_keras({str(folder)!r}, {str(images)!r})")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                              env=dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3"))
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["(no output)"])[-1][:160]
            rows.append(Translation(f"Keras 3 ({backend} backend) -> ONNX", False,
                                    seconds=time.perf_counter() - start, error=last))
            continue
        report = json.loads((folder / f"keras_{backend}.json").read_text())
        want = np.load(folder / f"keras_{backend}.npy")
        for exporter, (error, seconds) in report.items():
            route = f"Keras 3 ({backend} backend) -> ONNX ({exporter})"
            if error:
                rows.append(Translation(route, False, seconds=seconds, error=error))
            else:
                rows += onnx_targets(route, _keras_file(folder, backend, exporter), np.load(images), want, seconds)
    return rows


def jax_to_stablehlo(model, x: np.ndarray) -> list[Translation]:
    """The torch CNN's weights as a JAX function -> jaxpr and -> StableHLO text (jax.jit(...).lower(...))."""
    import jax
    import jax.numpy as jnp

    weights = {name: jnp.asarray(p.detach().numpy()) for name, p in model.named_parameters()}

    def cnn(images):
        h = jax.lax.conv_general_dilated(images, weights["0.weight"], (1, 1), "SAME")
        h = jax.nn.relu(h + weights["0.bias"][None, :, None, None])
        h = jax.lax.reduce_window(h, -jnp.inf, jax.lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")
        return h.reshape(h.shape[0], -1) @ weights["4.weight"].T + weights["4.bias"]

    import torch

    with torch.no_grad():
        want = model(torch.from_numpy(x)).numpy()
    rows = []
    start = time.perf_counter()
    try:
        jaxpr = jax.make_jaxpr(cnn)(x)
        got = np.asarray(jax.jit(cnn)(x))
        eqns = jaxpr.jaxpr.eqns
        rows.append(Translation("JAX -> jaxpr", True, len(eqns), _vocabulary(e.primitive.name for e in eqns),
                                str(tuple(x.shape)), float(np.abs(got - want).max()), len(str(jaxpr).encode()),
                                time.perf_counter() - start))
        start = time.perf_counter()
        text = jax.jit(cnn).lower(x).as_text()
        ops = re.findall(r'= "?(stablehlo\.[a-z_]+)', text)
        rows.append(Translation("JAX -> StableHLO text", True, len(ops), _vocabulary(ops), str(tuple(x.shape)),
                                float(np.abs(got - want).max()), len(text.encode()), time.perf_counter() - start))
    except Exception as err:  # noqa: BLE001
        rows.append(_failed("JAX -> jaxpr -> StableHLO", err, start))
    return rows


MXNET_ROUTE = "MXNet Gluon -> ONNX (mx.onnx)"


def mxnet_python() -> tuple[str | None, str]:
    """The MXNet venv's interpreter (DLSYS_MXNET_PYTHON, else the one the mxnet-legacy Jupyter kernel names) and,
    when there is none, why."""
    if os.environ.get("DLSYS_MXNET_PYTHON"):
        return os.environ["DLSYS_MXNET_PYTHON"], ""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    from ..notebooks import MXNET_KERNEL_NAME

    try:
        python = KernelSpecManager().get_kernel_spec(MXNET_KERNEL_NAME).argv[0]
    except NoSuchKernel:
        return None, f"no MXNet venv: the {MXNET_KERNEL_NAME} kernel is not registered (run `make mxnet`)"
    if not Path(python).exists():
        return None, f"no MXNet venv: {python} (named by the {MXNET_KERNEL_NAME} kernel) is missing (run `make mxnet`)"
    return python, ""


def mxnet_to_onnx(x: np.ndarray, folder: Path, epochs: int = 3) -> list[Translation]:
    """The same small CNN in MXNet Gluon, trained on the digits' train split for `epochs` and exported by
    `mx.onnx.export_model`, in the MXNet venv's interpreter (dlsys_lab/compare/mxnet_export.py, which saves MXNet's
    outputs on x); the file then runs in onnxruntime and dlsys_lab here. One row saying why when there is no MXNet
    venv or the export breaks."""
    python, why = mxnet_python()
    if python is None:
        return [Translation(MXNET_ROUTE, False, attempted=False, error=why)]
    train = digits(flatten=False)[0]
    data, path = folder / "mxnet_data.npz", folder / "mxnet_cnn.onnx"
    np.savez(data, images=train.arrays[0], labels=train.arrays[1], x=x)
    script = Path(__file__).with_name("mxnet_export.py")
    start = time.perf_counter()
    try:
        done = subprocess.run([python, str(script), str(data), str(path), str(epochs)], capture_output=True,
                              text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as err:
        return [_failed(MXNET_ROUTE, err, start)]
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1][:160]
        return [Translation(MXNET_ROUTE, False, seconds=time.perf_counter() - start, error=last)]
    exported = json.loads(Path(f"{path}.json").read_text())["export_s"]
    return onnx_targets(MXNET_ROUTE, path, x, np.load(f"{path}.npy"), exported)


NOT_RUN = [Translation("JAX -> ONNX (jax2onnx)", False, attempted=False,
                       error="jax2onnx downgrades orbax-checkpoint, which the course venv keeps; StableHLO is JAX's "
                             "portable form"),
           Translation("CNTK -> ONNX", False, attempted=False,
                       error="no CNTK build installs for Python 3.11: history only")]


def translation_table(folder, batch: int = 4, routes=("torch", "keras", "jax", "mxnet")) -> SideBySideTable:
    """Run the chosen routes on a trained small CNN and `batch` test digits (files written under `folder`)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model = small_cnn()
    x = np.ascontiguousarray(digits(flatten=False)[1].arrays[0][:batch])
    rows: list[Translation] = []
    if "torch" in routes:
        rows += torch_to_onnx(model, x, folder, dynamo=False) + torch_to_onnx(model, x, folder, dynamo=True)
    if "keras" in routes:
        rows += keras_to_onnx(x, folder)
    if "jax" in routes:
        rows += jax_to_stablehlo(model, x)
    if "mxnet" in routes:
        rows += mxnet_to_onnx(x, folder)
    return SideBySideTable([r.row() for r in rows + NOT_RUN])
