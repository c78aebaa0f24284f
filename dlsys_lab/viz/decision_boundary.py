"""Week-1 widget: a two-layer tanh network on two moons; the decision boundary and the loss
curve redraw when the learning rate or the hidden width changes.
"""
from __future__ import annotations

import numpy as np

from dlsys_lab.viz.style import FULL_LABEL


def two_moons(n: int = 200, noise: float = 0.2, seed: int = 0):
    """Two interleaved half circles (scikit-learn's generator, nothing downloaded)."""
    from sklearn.datasets import make_moons

    x, y = make_moons(n_samples=n, noise=noise, random_state=seed)
    return x.astype(np.float64), y.astype(np.int64)


def init_mlp(width: int, seed: int = 0) -> dict:
    """Weights of a 2-width-2 network, scaled by 1/sqrt(fan_in)."""
    rng = np.random.default_rng(seed)
    return {"w1": rng.normal(0, 1 / np.sqrt(2), (2, width)), "b1": np.zeros(width),
            "w2": rng.normal(0, 1 / np.sqrt(width), (width, 2)), "b2": np.zeros(2)}


def mlp_logits(params: dict, x: np.ndarray) -> np.ndarray:
    """Logits of the two classes: tanh(x W1 + b1) W2 + b2."""
    return np.tanh(x @ params["w1"] + params["b1"]) @ params["w2"] + params["b2"]


def train_mlp(x, y, width: int, lr: float, steps: int, seed: int = 0):
    """Full-batch gradient descent on softmax cross-entropy; returns (params, losses per step).

    Gradients come from torch's autograd in float64 (week 1 writes them by hand in graded lab 1; week 2
    builds the autodiff that computes them).
    """
    import torch

    params = {name: torch.tensor(value, requires_grad=True) for name, value in init_mlp(width, seed).items()}
    inputs, labels = torch.from_numpy(np.asarray(x, dtype=np.float64)), torch.from_numpy(np.asarray(y))
    losses = []
    for _ in range(steps):
        hidden = torch.tanh(inputs @ params["w1"] + params["b1"])
        loss = torch.nn.functional.cross_entropy(hidden @ params["w2"] + params["b2"], labels)
        grads = torch.autograd.grad(loss, list(params.values()))
        with torch.no_grad():
            for p, grad in zip(params.values(), grads):
                p -= lr * grad
        losses.append(loss.item())
    return {name: p.detach().numpy() for name, p in params.items()}, np.array(losses)


class DecisionBoundaryExplorer:
    """Sliders for learning rate and width; left: P(class 1) over the plane, right: the loss curve."""

    def __init__(self, lr: float = 0.5, width: int = 8, steps: int = 300, seed: int = 0):
        import ipywidgets as widgets
        import matplotlib.pyplot as plt

        self.x, self.y = two_moons(seed=seed)
        self.steps, self.seed = steps, seed
        self.lr = widgets.FloatLogSlider(value=lr, base=10, min=-3, max=0.7, step=0.1,
                                         description="learning rate", style=FULL_LABEL)
        self.width = widgets.IntSlider(value=width, min=1, max=64, description="width", style=FULL_LABEL)
        self.output = widgets.Output()
        self.figure, (self.ax_boundary, self.ax_loss) = plt.subplots(1, 2, figsize=(10, 4))
        plt.close(self.figure)  # shown through self.output only
        span = np.linspace(-2, 3, 120), np.linspace(-1.5, 2, 90)
        self.grid = np.stack(np.meshgrid(*span), axis=-1).reshape(-1, 2)
        self.grid_shape = (len(span[1]), len(span[0]))
        self.lr.observe(self.redraw, names="value")
        self.width.observe(self.redraw, names="value")
        self.redraw()

    def redraw(self, change=None) -> None:
        """Retrain with the current slider values and redraw both panels."""
        from IPython.display import clear_output, display

        params, losses = train_mlp(self.x, self.y, self.width.value, self.lr.value, self.steps, self.seed)
        logits = mlp_logits(params, self.grid)
        prob = 1 / (1 + np.exp(np.clip(logits[:, 0] - logits[:, 1], -50, 50)))
        accuracy = np.mean(np.argmax(mlp_logits(params, self.x), 1) == self.y)
        self.ax_boundary.clear()
        self.ax_boundary.imshow(prob.reshape(self.grid_shape), origin="lower", extent=(-2, 3, -1.5, 2),
                                cmap="coolwarm", vmin=0, vmax=1, aspect="auto")
        self.ax_boundary.scatter(*self.x.T, c=self.y, cmap="coolwarm", edgecolors="k", s=15)
        self.ax_boundary.set_title(f"P(class 1); train accuracy {accuracy:.0%}")
        self.ax_loss.clear()
        self.ax_loss.plot(np.arange(len(losses)), losses)
        self.ax_loss.set(xlabel="gradient step", ylabel="cross-entropy", yscale="log",
                         title=f"lr={self.lr.value:.3g}, width={self.width.value}")
        with self.output:
            clear_output(wait=True)
            display(self.figure)

    def widget(self):
        """The sliders above the figure, ready to display."""
        import ipywidgets as widgets

        return widgets.VBox([widgets.HBox([self.lr, self.width]), self.output])
