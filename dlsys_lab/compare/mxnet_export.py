"""MXNet Gluon -> ONNX, run by the MXNet venv's interpreter (mxnet 1.9.1, NumPy 1.23, onnx<1.16), not imported in
the course venv: `python mxnet_export.py DATA.npz OUT.onnx [EPOCHS]`.

DATA.npz holds the digits' training images and labels (NCHW float32, int64) and the test images `x`. The script
trains the small CNN of `translations.small_cnn` (conv 3x3 with 8 channels, ReLU, 2x2 max pool, linear) in Gluon
for a few epochs, exports it with `mx.onnx.export_model` (a dynamic batch axis) and saves MXNet's own outputs on
`x` to OUT.onnx.npy and its seconds and versions to OUT.onnx.json. It imports only mxnet, numpy and onnx, so it
runs without dlsys_lab's dependencies.
"""
import json
import sys
import time

import numpy as np


def main(data: str, out: str, epochs: int = 3, seed: int = 0) -> None:
    import mxnet as mx
    from mxnet import autograd, gluon

    mx.random.seed(seed)
    np.random.seed(seed)
    arrays = np.load(data)
    images, labels, x = arrays["images"], arrays["labels"], arrays["x"]
    net = gluon.nn.HybridSequential()
    net.add(gluon.nn.Conv2D(8, 3, padding=1, in_channels=1), gluon.nn.Activation("relu"), gluon.nn.MaxPool2D(2),
            gluon.nn.Flatten(), gluon.nn.Dense(10, in_units=128))
    net.initialize(mx.init.Xavier())
    net.hybridize()
    trainer = gluon.Trainer(net.collect_params(), "adam", {"learning_rate": 1e-2})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    start = time.perf_counter()
    for _ in range(epochs):
        for begin in range(0, len(labels), 64):
            xb, yb = mx.nd.array(images[begin:begin + 64]), mx.nd.array(labels[begin:begin + 64])
            with autograd.record():
                loss = loss_fn(net(xb), yb)
            loss.backward()
            trainer.step(len(yb))
    trained = time.perf_counter() - start
    want = net(mx.nd.array(x)).asnumpy()
    stem = out[:-len(".onnx")] if out.endswith(".onnx") else out
    net.export(stem)  # stem-symbol.json and stem-0000.params
    start = time.perf_counter()
    mx.onnx.export_model(f"{stem}-symbol.json", f"{stem}-0000.params", [(1, 1, 8, 8)], [np.float32], out,
                         dynamic=True, dynamic_input_shapes=[(None, 1, 8, 8)])
    exported = time.perf_counter() - start
    np.save(f"{out}.npy", want)
    import onnx

    with open(f"{out}.json", "w") as file:
        json.dump({"train_s": trained, "export_s": exported, "mxnet": mx.__version__, "numpy": np.__version__,
                   "onnx": onnx.__version__}, file)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], *map(int, sys.argv[3:4]))
