"""Run the Keras digits task under each Keras 3 backend, one long-lived Python process per backend.

Keras reads KERAS_BACKEND once, at import, so each backend needs its own process. The process stays up, so the
notebook can ask it for one round of step timings at a time, interleaved with the frameworks it runs itself.
"""
from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import tempfile

from dlsys_lab.compare.digits_task import TrainingResult

KERAS_BACKENDS = ("tensorflow", "jax", "torch")


class KerasWorker:
    """A process running Keras on one backend; commands and replies are JSON lines."""

    def __init__(self, backend: str):
        if backend not in KERAS_BACKENDS:
            raise ValueError(f"unknown Keras backend {backend!r}; use one of {KERAS_BACKENDS}")
        self.backend = backend
        env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2", PYTHONWARNINGS="ignore")
        self.stderr = tempfile.TemporaryFile("w+")  # a file, not a pipe: chatter can never fill it and block
        self.proc = subprocess.Popen([sys.executable, "-m", __name__], env=env, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr)

    def ask(self, **request) -> dict:
        """Send one command and return its reply; a RuntimeError carries the worker's error or stderr."""
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            self.stderr.seek(0)
            raise RuntimeError(f"Keras on {self.backend} exited (code {self.proc.wait()}); its stderr ends with:\n"
                               + self.stderr.read()[-2000:])
        reply = json.loads(line)
        if "error" in reply:
            raise RuntimeError(f"Keras on {self.backend}: {reply['error']}")
        return reply

    def train(self, hidden: int, epochs: int) -> TrainingResult:
        """Train DigitsTask.create(hidden, epochs) step by step; the trained model stays for timing."""
        return TrainingResult.from_dict(self.ask(cmd="train", hidden=hidden, epochs=epochs)["result"])

    def timer(self, hidden: int, number: int):
        """A function timing `number` steps of that model on the shared timing batch, in seconds per step."""
        return lambda: self.ask(cmd="time", hidden=hidden, number=number)["seconds"]

    def close(self) -> None:
        """Close stdin and wait for the process to end."""
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.stderr.close()


def _serve() -> None:
    """Worker loop: build, train and time Keras trainers on request."""
    from dlsys_lab.compare.digits_task import DigitsTask, step_timer
    from dlsys_lab.compare.keras_digits import keras_trainer

    out, trainers, timers = sys.stdout, {}, {}
    sys.stdout = sys.stderr  # Keras' chatter must not corrupt the protocol
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if request["cmd"] == "train":
                task = DigitsTask.create(hidden=request["hidden"], epochs=request["epochs"])
                trainer = keras_trainer(task)
                reply = {"result": task.trajectory(trainer).to_dict()}
                trainers[request["hidden"]] = task, trainer
            else:
                key = request["hidden"], request["number"]
                if key not in timers:
                    task, trainer = trainers[request["hidden"]]
                    timers[key] = step_timer(trainer, task.timing_batch(), request["number"])
                    gc.collect()
                    gc.freeze()  # later collections skip Keras' own objects, as in time_interleaved
                reply = {"seconds": timers[key]()}
        except Exception as err:  # reported to the notebook, which raises it there
            reply = {"error": f"{type(err).__name__}: {err}"}
        out.write(json.dumps(reply) + "\n")
        out.flush()


if __name__ == "__main__":
    _serve()
