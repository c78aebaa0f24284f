"""Week 9: pruning and distillation. `magnitude` zeroes the smallest weights (unstructured, masks like
torch.nn.utils.prune's); `channels` removes whole neurons and channels (structured), so `macs` and latency fall;
`sensitivity` scans the layers one at a time; `distillation_loss` trains a small model from a large one.
"""
from .channels import channels
from .distill import distillation_loss
from .macs import macs
from .magnitude import Masks, MaskedOptimizer, magnitude, named_modules, prunable_weights
from .sensitivity import sensitivity

__all__ = ["magnitude", "channels", "macs", "sensitivity", "distillation_loss", "Masks", "MaskedOptimizer",
           "prunable_weights", "named_modules"]
