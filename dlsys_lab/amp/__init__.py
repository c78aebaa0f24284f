"""Mixed precision: `autocast` runs matmuls in bfloat16 or float16 while weights stay float32, and `GradScaler`
scales the loss so that float16 gradients do not underflow (week 9).

Half storage itself lives in the backends (dlsys_lab/nd/dtypes.py): `Tensor(x, dtype="bfloat16")` works on the
numpy and cpu devices, with float32 arithmetic and accumulation and one rounding per result.
"""
from dlsys_lab.amp.autocast import LOW_PRECISION_OPS, FLOAT32_OPS, autocast, autocast_dtype
from dlsys_lab.amp.scaler import GradScaler

__all__ = ["autocast", "autocast_dtype", "GradScaler", "LOW_PRECISION_OPS", "FLOAT32_OPS"]
