"""The typed contract of the HTTP API: what clients send and what the server answers.

A row is one input sample: a list of numbers, or nested lists for an image (up to three levels).
"""
from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, FiniteFloat

Row = list[FiniteFloat] | list[list[FiniteFloat]] | list[list[list[FiniteFloat]]]
OutputRow = float | list[float] | list[list[float]] | list[list[list[float]]]


class PredictRequest(BaseModel):
    """POST /v1/predict: one or more rows, finite numbers only."""

    model_config = ConfigDict(extra="forbid")
    inputs: list[Row] = Field(min_length=1, description="rows of the model's input shape (without the batch axis)")


class PredictResponse(BaseModel):
    """The rows of the model's output for the request's rows, in order."""

    outputs: list[OutputRow]
    model: str
    batch_size: int = Field(description="rows in the forward pass that served this request (at most max-batch)")


class ModelInfo(BaseModel):
    """GET /v1/model: what the server serves and how it batches."""

    model: str
    runtime: str
    input_shape: list[int | None] = Field(description="one row's shape; None where any size goes")
    max_batch: int
    max_wait_ms: float
    max_queue: int


class Health(BaseModel):
    """GET /healthz."""

    status: str = "ok"


class ErrorBody(BaseModel):
    """Every 4xx and 503 answer: what went wrong and what was expected instead."""

    detail: str


class GenerateRequest(BaseModel):
    """POST /v1/generate: continue a prompt with the server's language model."""

    model_config = ConfigDict(extra="forbid")
    prompt: str = Field(min_length=1)
    max_new_tokens: int = Field(32, ge=1, le=1024)
    temperature: float = Field(0.0, ge=0.0, allow_inf_nan=False, description="0: greedy")
    seed: int = 0


class GenerateToken(BaseModel):
    """One line of /v1/generate's stream: the next token."""

    token: str


class GenerateDone(BaseModel):
    """The last line of /v1/generate's stream: the prompt and everything generated."""

    text: str
    new_tokens: int


class ServeSummary(BaseModel):
    """What the server prints as its last line: the responses it sent, by path and status."""

    responses: dict[str, dict[str, int]]

    PREFIX: ClassVar[str] = "dlsys_lab.serve stopped: "

    def line(self) -> str:
        """The summary as one line of text (prefix + JSON)."""
        return self.PREFIX + self.model_dump_json()

    @classmethod
    def from_output(cls, text: str) -> "ServeSummary":
        """The summary from a server's output (its stderr)."""
        line = next(line for line in text.splitlines() if line.startswith(cls.PREFIX))
        return cls.model_validate_json(line[len(cls.PREFIX):])
