"""Week 6: parallelism on torch.distributed (gloo on CPU, NCCL on GPU), built to be read and rebuilt.

launch spawns workers; collectives, data, pipeline, tensor and ensemble parallelism build on it.
"""
from dlsys_lab.parallel.collectives import ring_all_gather, ring_all_reduce, ring_broadcast
from dlsys_lab.parallel.launch import WorkerError, launch

__all__ = ["launch", "WorkerError", "ring_all_reduce", "ring_broadcast", "ring_all_gather"]
