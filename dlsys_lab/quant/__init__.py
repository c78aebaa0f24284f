"""Week 9: post-training int8 quantization of dlsys_lab models.

`quantize(model, calibration_batches)` returns a copy whose Linear and Conv2d layers compute with int8 weights
(per-channel scales), int8 activations (per-tensor scales from calibration) and int32 accumulation.
"""
from .convert import calibrate, model_bytes, quantize
from .fake import FakeQuantize, fake_quantize
from .kernels import matmul_int8
from .layers import QuantizedConv2d, QuantizedLayer, QuantizedLinear
from .observers import MinMaxObserver, PercentileObserver, make_observer
from .scheme import QParams, choose_qparams, dequantize_array, quantize_array, quantize_weight
from .symmetric import activation_scale, dequantize_symmetric, quantize_symmetric, weight_scales

__all__ = ["quantize", "model_bytes", "calibrate", "matmul_int8", "fake_quantize", "FakeQuantize", "QuantizedLayer", "QuantizedLinear",
           "QuantizedConv2d", "MinMaxObserver", "PercentileObserver", "make_observer", "QParams", "choose_qparams",
           "quantize_array", "dequantize_array", "quantize_weight", "weight_scales", "activation_scale",
           "quantize_symmetric", "dequantize_symmetric"]
