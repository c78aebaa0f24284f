"""uvicorn's httptools protocol, sending each answer in one write.

uvicorn writes an answer's status line and headers when the app sends http.response.start, and its body when
the app sends http.response.body: two system calls and two TCP segments for a small JSON answer, and a client
woken twice. Here the protocol's transport gathers what is written during one step of the event loop and writes
it at once, in the loop's next step (or before closing).
"""
from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class GatheringTransport:
    """A transport whose writes within one event-loop step reach the socket as one write."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop):
        self._transport, self._loop, self._pending = transport, loop, []

    def write(self, data: bytes) -> None:
        """Queue data; the first write of a step schedules the flush."""
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(data)

    def flush(self) -> None:
        """Write everything queued, as one write."""
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        """Flush, then close (the transport sends what it holds before it closes)."""
        self.flush()
        self._transport.close()

    def __getattr__(self, name):  # everything else: the transport's own
        return getattr(self._transport, name)


class GatheringHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's HttpToolsProtocol over a GatheringTransport (pass it as uvicorn.Config's `http`)."""

    def connection_made(self, transport) -> None:
        super().connection_made(GatheringTransport(transport, self.loop))
