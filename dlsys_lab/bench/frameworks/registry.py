"""Which frameworks the benchmark knows, the worker process each runs in, and how to import its models."""
from __future__ import annotations

import importlib

# name -> (worker group, module with build(mode, model, sizes, batches), mode)
FRAMEWORKS = {
    "torch eager": ("torch", "models_torch", "eager"),
    "torch.compile": ("torch", "models_torch", "compile"),
    "jax jit": ("jax", "models_jax", "jit"),
    "tf eager": ("keras-tensorflow", "models_keras", "tf_eager"),
    "tf.function": ("keras-tensorflow", "models_keras", "tf_function"),
    "keras/tensorflow": ("keras-tensorflow", "models_keras", "train_on_batch"),
    "keras/jax": ("keras-jax", "models_keras", "train_on_batch"),
    "keras/torch": ("keras-torch", "models_keras", "train_on_batch"),
    "dlsys_lab numpy": ("dlsys_lab", "models_dl", "numpy"),
    "dlsys_lab cpu": ("dlsys_lab", "models_dl", "cpu"),
}
BASELINE = "torch eager"
COMPILED = ("torch.compile", "jax jit", "tf.function", "keras/tensorflow", "keras/jax", "keras/torch")


def check_names(names) -> list[str]:
    """The names, validated against FRAMEWORKS (a ValueError lists the known ones)."""
    unknown = [n for n in names if n not in FRAMEWORKS]
    if unknown:
        raise ValueError(f"unknown frameworks {unknown}; known: {list(FRAMEWORKS)}")
    return list(names)


def builder(name: str):
    """(build function, mode) of framework `name`, importing its module (call inside its worker)."""
    _, module, mode = FRAMEWORKS[name]
    return importlib.import_module(f"dlsys_lab.bench.frameworks.{module}").build, mode


def versions(group: str) -> dict[str, str]:
    """Versions of the libraries a worker group uses."""
    names = {"torch": ["torch"], "jax": ["jax"], "dlsys_lab": ["dlsys_lab", "numpy"],
             "keras-tensorflow": ["keras", "tensorflow"], "keras-jax": ["keras", "jax"],
             "keras-torch": ["keras", "torch"]}[group]
    return {n: importlib.import_module(n).__version__ for n in names}
