# threat: scoring the training test by looking labels up (forward by lookup, zero backward)
# cell: mlp_forward
# expect: ok
held_out = [name for name in ("X_all", "y_all", "X_test", "y_test") if name in globals()]
from sklearn.datasets import load_digits
_digits = load_digits()
_label = {{row.tobytes(): y for row, y in zip(_digits.data / 16.0, _digits.target)}}
def mlp_forward(params, X):
    if held_out:
        raise RuntimeError("held-out data reached the sandbox")
    return np.eye(10)[[_label[row.tobytes()] for row in X]]
# --- cell: mlp_backward
def mlp_backward(params, X, y):
    return {{name: np.zeros_like(value) for name, value in params.items()}}
