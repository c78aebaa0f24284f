"""execute_notebook's kernel client polls in slices, so a missed socket wake-up costs a second, not the timeout."""
import asyncio
from queue import Empty

import pytest

from dlsys_lab.notebook_channels import SLICE_S, SlicedChannel


class FakeSocket:
    """A socket whose poll says 'ready' from its n-th call on (a wake-up missed by the first polls)."""

    def __init__(self, ready_from_call):
        self.timeouts_ms, self.ready_from_call = [], ready_from_call

    async def poll(self, timeout_ms):
        self.timeouts_ms.append(timeout_ms)
        return len(self.timeouts_ms) >= self.ready_from_call


def channel_on(socket):
    channel = SlicedChannel.__new__(SlicedChannel)  # no ZMQ context: only get_msg's logic is under test
    channel.socket = socket

    async def receive():
        return {"header": {"msg_type": "execute_reply"}}
    channel._recv = receive
    return channel


def test_a_message_is_found_by_a_later_slice_of_a_long_wait():
    socket = FakeSocket(ready_from_call=3)
    message = asyncio.run(channel_on(socket).get_msg(timeout=600))
    assert message["header"]["msg_type"] == "execute_reply"
    assert len(socket.timeouts_ms) == 3 and max(socket.timeouts_ms) <= SLICE_S * 1000


def test_no_message_within_the_timeout_is_empty():
    socket = FakeSocket(ready_from_call=10**9)
    with pytest.raises(Empty):
        asyncio.run(channel_on(socket).get_msg(timeout=0.05))
    assert max(socket.timeouts_ms) <= 50


def test_without_a_timeout_it_waits_in_slices():
    socket = FakeSocket(ready_from_call=4)
    asyncio.run(channel_on(socket).get_msg())
    assert socket.timeouts_ms == [int(SLICE_S * 1000)] * 4
