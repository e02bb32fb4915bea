"""Handing an admitted connection to picows (ADR 0002): its protocol, the replayed upgrade, and a
per-connection cost picows pays on uvloop that the gateway does not need.

picows builds its `WSProtocol` for a server it owns; the gate builds one for a socket it already
accepted and read. That uses `WSProtocol`'s constructor and `connection_made`, which are not public
API: upgrading picows needs a look at both (and at `WSTransport.__init__`).

`connection_made` sets TCP_NODELAY (uvloop already set it on every accepted socket) and TCP_QUICKACK
(which Linux clears by itself after a few segments), and reads four socket options for an INFO line the
gateway does not log. On uvloop each of those six calls builds, and detaches, a Python socket object:
about 15 µs a connection. picows gets a view of the transport whose socket answers them without a
system call.
"""

import asyncio
import logging
from typing import Any

from picows import WSAutoPingStrategy, WSListener, WSUpgradeResponse, WSUpgradeResponseWithListener
from picows.picows import WSProtocol  # type: ignore[attr-defined]

# What picows parses in place of the station's request. The gate checked that request against RFC
# 6455 §4.2.1; picows' own checks are narrower (`Connection` must be exactly "upgrade", where the RFC
# asks for a token list that includes it), so it sees only what it needs to compute the 101: the key.
_CANONICAL_REQUEST = (
    b"GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: %b\r\n\r\n"
)
# picows reads into a buffer it grows on demand; starting small keeps idle stations cheap.
READ_BUFFER_BYTES = 2048
_AUTO_PING_SECONDS = 20


class _SocketView:
    """The socket as picows's `connection_made` uses it: its descriptor, and option calls that change
    nothing (see the module docstring)."""

    __slots__ = ("_fd",)

    def __init__(self, fd: int) -> None:
        self._fd = fd

    def fileno(self) -> int:
        return self._fd

    def setsockopt(self, *_: Any) -> None:
        return None

    def getsockopt(self, *_: Any) -> int:
        return 0


class TransportView:
    """The accepted transport as picows sees it: the same object for everything, except its socket.

    picows keeps `write` and `get_write_buffer_size` as bound methods for its send path; they are the
    transport's own, so sending costs nothing extra. Everything else goes to the transport."""

    __slots__ = ("_socket", "get_write_buffer_size", "transport", "write")

    def __init__(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        self._socket = _SocketView(transport.get_extra_info("socket").fileno())
        self.write = transport.write
        self.get_write_buffer_size = transport.get_write_buffer_size

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        if name == "socket":
            return self._socket
        return self.transport.get_extra_info(name, default)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.transport, name)


def start_websocket(
    transport: asyncio.Transport,
    key: bytes,
    early: bytes,
    response: WSUpgradeResponse,
    listener: WSListener,
    max_frame_bytes: int,
    logger: logging.LoggerAdapter[logging.Logger],
) -> None:
    """Put picows on `transport`: it answers the upgrade whose Sec-WebSocket-Key was `key` with
    `response`, reads `early` (what the station sent after its request) and serves `listener`."""
    paired = WSUpgradeResponseWithListener(response, listener)
    protocol = WSProtocol(
        None,  # host and port, path: client side only
        None,
        False,  # server side
        lambda _request: paired,
        logger,
        True,  # disconnect when the listener raises
        None,  # the gate already bounded the handshake
        False,  # no pings of our own: OCPP stations ping (WebSocketPingInterval), picows answers
        _AUTO_PING_SECONDS,
        _AUTO_PING_SECONDS,
        WSAutoPingStrategy.PING_WHEN_IDLE,
        True,  # answer pings
        max_frame_bytes,
        None,
        READ_BUFFER_BYTES,
    )
    transport.set_protocol(protocol)
    protocol.connection_made(TransportView(transport))
    _replay(protocol, _CANONICAL_REQUEST % key + early)
    _forget_request(protocol)


def _forget_request(protocol: WSProtocol) -> None:
    """Drop the upgrade request picows parsed from the replayed bytes.

    picows keeps it on the transport for the connection's life (a case-insensitive multidict), and
    nothing reads it after the handshake: the gate parsed the station's own request. The attribute is
    read-only; the headers are emptied instead."""
    request = protocol.transport.request if protocol.transport is not None else None
    if request is not None:
        request.headers.clear()
        request.path = b""


def _replay(protocol: WSProtocol, data: bytes) -> None:
    """Feed bytes the gate already read into picows' buffered protocol."""
    view = memoryview(data)
    while view:
        buffer = protocol.get_buffer(len(view))
        size = min(len(buffer), len(view))
        buffer[:size] = view[:size]
        protocol.buffer_updated(size)
        view = view[size:]
