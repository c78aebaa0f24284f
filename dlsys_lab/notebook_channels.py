"""The kernel client execute_notebook uses: its shell and IOPub channels wait in slices of a second.

A message can sit unnoticed in an asyncio ZMQ socket when the wake-up of its file descriptor (edge-triggered)
was consumed by another operation on the socket; a poll registered afterwards checks the socket's events first
and finds it. nbclient waits for a reply with one poll as long as the cell timeout, so such a miss cost the
whole 600 s (both the kernel and the client idle, found with py-spy on a fresh-clone test run); polling in
slices bounds it to a second.
"""
from __future__ import annotations

import time
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from traitlets import Type

SLICE_S = 1.0


class SlicedChannel(AsyncZMQSocketChannel):
    """A channel whose get_msg polls in slices of SLICE_S until its timeout (None: no timeout)."""

    async def get_msg(self, timeout: float | None = None) -> dict:
        """The next message; Empty when none came within `timeout` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = SLICE_S if deadline is None else min(SLICE_S, max(0.0, deadline - time.monotonic()))
            if await self.socket.poll(int(left * 1000)):
                return await self._recv()
            if deadline is not None and time.monotonic() >= deadline:
                raise Empty


class KernelClient(AsyncKernelClient):
    """An asynchronous kernel client whose shell and IOPub channels are SlicedChannels."""

    shell_channel_class = Type(SlicedChannel)
    iopub_channel_class = Type(SlicedChannel)
