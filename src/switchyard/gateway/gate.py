"""The handshake gate: read the HTTP upgrade, decide asynchronously, then hand the socket to picows.

picows asks its listener factory synchronously, but deciding who a station is needs the database.
So every connection starts on this small protocol: it reads the upgrade request (httptools),
awaits the admission decision, answers refusals itself, and for admitted stations replaces itself
with a picows `WSProtocol` (ADR 0002). picows is given a canonical upgrade request with the station's
key, then the bytes that followed the request: the gate has checked the handshake against RFC 6455
already, and picows' own checks are narrower (it refuses `Connection: keep-alive, Upgrade`).

A client must wait for the 101 before it sends frames (RFC 6455 §4.1), so nothing normally arrives
while the decision is made; what does (an eager firmware's BootNotification) is kept for picows, up
to the same `MAX_REQUEST_BYTES` as the request. Reading is not paused for the decision: that cost two
changes to the event loop's interest set per connection, for bytes a client should not send.
"""

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any, cast

import httptools
import structlog

from switchyard.gateway.admission import Admitted, TlsPeer
from switchyard.gateway.upgrade import Refusal, UpgradeRequest, listener_host

log = structlog.get_logger("switchyard.gateway")

MAX_REQUEST_BYTES = 16 * 1024

Admit = Callable[[UpgradeRequest, TlsPeer], Awaitable[Admitted]]
# The transport, the station's Sec-WebSocket-Key, the bytes received after the request, the decision.
HandOver = Callable[[asyncio.Transport, bytes, bytes, Admitted], None]


class _RequestHead:
    """httptools callbacks: collects the request line and headers."""

    __slots__ = ("complete", "headers", "target")

    def __init__(self) -> None:
        self.target = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.complete = False

    def on_url(self, url: bytes) -> None:
        self.target += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.complete = True


class HandshakeGate(asyncio.Protocol):
    def __init__(self, admit: Admit, hand_over: HandOver, timeout: float, secure: bool) -> None:
        self._admit = admit
        self._secure = secure
        self._hand_over = hand_over
        self._timeout = timeout
        self._transport: asyncio.Transport | None = None
        self._head = _RequestHead()
        self._parser: httptools.HttpRequestParser | None = httptools.HttpRequestParser(self._head)
        self._buffer = bytearray()
        # Where the request head ends in `_buffer` (what follows belongs to the websocket).
        self._head_end: int | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but offer the same interface.
        self._transport = cast(asyncio.Transport, transport)
        self._timer = asyncio.get_running_loop().call_later(self._timeout, self._on_timeout)

    def data_received(self, data: bytes) -> None:
        if self._parser is None:
            return  # handed over: the websocket protocol reads from now on
        fed = len(self._buffer)
        self._buffer += data
        if self._task is not None:
            # Bytes after the request (early frames) wait for the websocket protocol, within bounds.
            if len(self._buffer) > MAX_REQUEST_BYTES:
                self._refuse(Refusal(400, "data sent before the upgrade was answered (RFC 6455 §4.1)"))
            return
        if len(self._buffer) > MAX_REQUEST_BYTES:
            self._refuse(Refusal(431, "upgrade request headers too large"))
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade as upgrade:
            self._head_end = fed + upgrade.args[0]  # the request head is complete
        except httptools.HttpParserError as exc:
            self._refuse(Refusal(400, f"malformed HTTP request: {exc}"))
            return
        if not self._head.complete:
            return
        parser = self._parser
        request = UpgradeRequest.parsed(
            parser.get_method(), self._head.target, self._head.headers, parser.get_http_version()
        )
        self._task = asyncio.get_running_loop().create_task(self._decide(request))

    def eof_received(self) -> bool | None:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timer()
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._transport = None

    async def _decide(self, request: UpgradeRequest) -> None:
        transport = self._transport
        if transport is None:
            return
        try:
            admitted = await self._admit(request, _peer(transport, self._secure, "host" not in request.headers))
        except Refusal as refusal:
            self._refuse(refusal)
            return
        except Exception:
            log.exception("admission failed", target=request.target)
            self._refuse(Refusal(500, "internal error"))
            return
        finally:
            self._cancel_timer()
        if transport.is_closing():
            return
        if self._head_end is None:
            # httptools saw no upgrade where the checks above did: answer rather than guess.
            self._refuse(Refusal(400, "malformed websocket upgrade request"))
            return
        early = bytes(self._buffer[self._head_end :])
        self._release()
        self._hand_over(transport, request.websocket_key, early, admitted)

    def _refuse(self, refusal: Refusal) -> None:
        self._cancel_timer()
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        transport.write(http_response(refusal.status, refusal.message, refusal.headers))
        transport.close()

    def _on_timeout(self) -> None:
        self._timer = None
        if self._transport is not None and self._task is None:
            self._refuse(Refusal(408, "upgrade request not received in time"))

    def _release(self) -> None:
        """Drop everything: uvloop keeps a reference to this protocol after `set_protocol` (ADR 0002)."""
        self._transport = None
        self._buffer = bytearray()
        self._parser = None
        self._head.headers = []
        self._task = None

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


def http_response(status: int, message: str, headers: dict[str, str]) -> bytes:
    body = (message + "\n").encode()
    lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}", "Content-Type: text/plain; charset=utf-8"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
    return "\r\n".join(lines).encode() + body


def _peer(transport: asyncio.Transport, secure: bool, without_host: bool) -> TlsPeer:
    peername = transport.get_extra_info("peername")
    address = str(peername[0]) if isinstance(peername, tuple) and peername else None
    # RFC 6455 §4.1 requires a Host header; only a request without one pays for the socket lookup.
    listener = listener_host(transport.get_extra_info("sockname")) if without_host else None
    ssl_object: Any = transport.get_extra_info("ssl_object") if secure else None
    if not isinstance(ssl_object, ssl.SSLObject | ssl.SSLSocket):
        return TlsPeer(secure=False, address=address, listener=listener)
    return TlsPeer(secure=True, certificate=ssl_object.getpeercert() or None, address=address, listener=listener)
