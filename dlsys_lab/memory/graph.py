"""Capturing one training step as a graph of backend calls: `g = dl.memory.capture(step, *args)`.

Every backend call that makes new storage is a node (its output value, with its bytes); a call that
writes into an existing buffer (an optimizer's in-place update) is a node of 0 bytes that reads it;
views are not nodes, they read their base. Arrays the step did not make with a backend call (the
parameters, the optimizer state, the batch) enter as `input` nodes at the front of the graph: they are
resident when the step begins, so no value of the step may be planned over their bytes.
State written in place (an optimizer's momentum or moments) must outlive the step, yet the last backend
call reading it comes before the step ends; a final 0-byte `output` node reads every such array, so
liveness keeps its bytes to the end and no later value (the new weights) is planned over it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..nd import hooks

WRITES = frozenset(("inplace", "setitem", "assign"))


@dataclass(frozen=True)
class Node:
    """One value of the step: a unique name, the backend function that made it, what it read, its size."""

    name: str
    op: str
    inputs: tuple[str, ...]
    nbytes: int


@dataclass
class Graph:
    """The nodes of a captured step in execution order."""

    nodes: list[Node] = field(default_factory=list)

    def __len__(self):
        return len(self.nodes)

    def __iter__(self):
        return iter(self.nodes)

    def index(self) -> dict[str, int]:
        """{name: position in execution order}."""
        return {n.name: i for i, n in enumerate(self.nodes)}

    def consumers(self) -> dict[str, list[str]]:
        """{name: names of the nodes that read it}, in execution order."""
        readers = {n.name: [] for n in self.nodes}
        for n in self.nodes:
            for name in dict.fromkeys(n.inputs):
                readers[name].append(n.name)
        return readers

    def check(self) -> None:
        """Raise ValueError unless names are unique and every input is an earlier node."""
        seen = set()
        for n in self.nodes:
            missing = [i for i in n.inputs if i not in seen]
            if n.name in seen or missing:
                raise ValueError(f"node {n.name!r}: duplicate name or inputs {missing} not produced before it")
            seen.add(n.name)

    def summary(self) -> str:
        """A one-line description: nodes, ops, total bytes."""
        ops = {n.op for n in self.nodes}
        return f"Graph of {len(self.nodes)} nodes, {len(ops)} ops, {sum(n.nbytes for n in self.nodes)} bytes produced"


class _Recorder:
    """The nd.hooks listener that appends a node per backend call."""

    def __init__(self):
        self.graph = Graph()
        self.names: dict[int, str] = {}
        self.keep: list = []  # the storages seen, kept alive so their ids stay unique while capturing
        self.count = 0
        self.inputs: set[str] = set()  # the arrays made before the step
        self.state: dict[str, None] = {}  # input arrays written in place: they survive the step

    def _name(self, owner, nbytes, op, inputs=()):
        self.count += 1
        name = f"{op}{self.count}"
        self.names[id(owner)] = name
        self.keep.append(owner)
        self.graph.nodes.append(Node(name, op, tuple(inputs), nbytes))
        return name

    def _read(self, arg, found):
        if isinstance(arg, (list, tuple)):
            for a in arg:
                self._read(a, found)
            return
        s = hooks.storage(arg)
        if s is not None:
            name = self.names.get(id(s[0]))
            if name is None:
                name = self._name(s[0], s[1], "input")
                self.inputs.add(name)
            found.setdefault(name)

    def call(self, backend, name, args, result):
        """Records the call (nd.hooks calls this after each backend function)."""
        found: dict[str, None] = {}
        self._read(args, found)
        if name in WRITES:
            target = next(iter(found), None)  # the written array comes first: inplace(op, a, b), setitem(a, ...)
            if target in self.inputs:
                self.state.setdefault(target)
            self._name(object(), 0, name, found)
            return result
        if isinstance(result, np.generic):  # a 0-d result; an element picked out is a view elsewhere
            result = np.asarray(result)
            if name == "getitem":
                return result
        s = hooks.storage(result)
        if s is not None and id(s[0]) not in self.names:
            self._name(s[0], s[1], name, found)
        return result


def capture(fn, *args) -> Graph:
    """The graph of fn(*args) (e.g. forward, backward and optimizer step) as the backends executed it."""
    recorder = _Recorder()
    hooks.listen(recorder)
    try:
        fn(*args)
    finally:
        hooks.unlisten(recorder)
    if recorder.state:
        recorder._name(object(), 0, "output", recorder.state)
    nodes = recorder.graph.nodes
    recorder.graph.nodes = [n for n in nodes if n.op == "input"] + [n for n in nodes if n.op != "input"]
    recorder.graph.check()
    return recorder.graph
