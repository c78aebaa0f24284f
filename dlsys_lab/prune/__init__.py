"""Week 9: pruning. `magnitude` zeroes the smallest weights (unstructured, masks like torch.nn.utils.prune's);
`channels` removes whole neurons and channels (structured), so `macs` and latency fall.
"""
from .channels import channels
from .macs import macs
from .magnitude import Masks, MaskedOptimizer, magnitude, named_modules, prunable_weights

__all__ = ["magnitude", "channels", "macs", "Masks", "MaskedOptimizer", "prunable_weights", "named_modules"]
