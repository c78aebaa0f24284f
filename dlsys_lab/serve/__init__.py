"""Week 9: serving a model over HTTP with dynamic batching (FastAPI + uvicorn), and a load generator.

`python -m dlsys_lab.serve MODEL.onnx ...` runs the server (see __main__.py); `python -m dlsys_lab.serve.load URL`
offers it load. `create_app` builds the application for a Runtime; `DynamicBatcher` is the batching policy alone;
with --lm, POST /v1/generate streams a TransformerLM's tokens (generate.py).
"""
from .app import create_app
from .batcher import BatchResult, DynamicBatcher, QueueFull
from .generate import TextGenerator, load_lm, save_lm
from .process import ServerProcess, free_port
from .runtime import DlsysRuntime, OnnxRuntime, Runtime, load_runtime, with_dynamic_batch
from .schemas import (ErrorBody, GenerateDone, GenerateRequest, GenerateToken, Health, ModelInfo, PredictRequest,
                      PredictResponse, ServeSummary)

__all__ = ["create_app", "DynamicBatcher", "BatchResult", "QueueFull", "ServerProcess", "free_port", "Runtime",
           "DlsysRuntime", "OnnxRuntime", "load_runtime", "with_dynamic_batch", "PredictRequest", "PredictResponse",
           "ModelInfo", "Health", "ErrorBody", "ServeSummary", "TextGenerator", "save_lm", "load_lm",
           "GenerateRequest", "GenerateToken", "GenerateDone"]
