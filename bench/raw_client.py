"""A minimal websocket station for the connect+boot measurement: handshake, one BootNotification, idle.

The picows client costs the load process about 0.3 ms of CPU per connection (URL parsing, proxy
support, futures), as much as the servers spend, so it capped what the measurement could show. This
client does only what a station does: send the upgrade request, check the 101 answer and its
Sec-WebSocket-Accept, send a masked BootNotification, wait for the Accepted CALLRESULT, then stay
connected. Both servers get byte-for-byte the same frames from it.
"""

import asyncio
import base64
import hashlib
import os
from typing import Any

from bench.common import HOST, PATH_PREFIX, SUBPROTOCOL, Secret, identity

WEBSOCKET_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
KEY = base64.b64encode(os.urandom(16))
ACCEPT = base64.b64encode(hashlib.sha1(KEY + WEBSOCKET_GUID, usedforsecurity=False).digest())
BOOT = b'[2,"boot-1","BootNotification",{"chargePointVendor":"Bench","chargePointModel":"Load 1"}]'


def masked_frame(opcode: int, payload: bytes) -> bytes:
    """A client frame (clients must mask, RFC 6455 §5.3); payloads here are short."""
    assert len(payload) < 126
    mask = os.urandom(4)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes((0x80 | opcode, 0x80 | len(payload))) + mask + body


BOOT_FRAME = masked_frame(0x1, BOOT)
CLOSE_FRAME = masked_frame(0x8, (1000).to_bytes(2, "big"))


def upgrade_request(port: int, index: int, secret: Secret) -> bytes:
    name = identity(index)
    credentials = base64.b64encode(f"{name}:{secret(name)}".encode()).decode()
    return (
        f"GET {PATH_PREFIX}/{name} HTTP/1.1\r\nHost: {HOST}:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {KEY.decode()}\r\nSec-WebSocket-Version: 13\r\n"
        f"Sec-WebSocket-Protocol: {SUBPROTOCOL}\r\nAuthorization: Basic {credentials}\r\n\r\n"
    ).encode()


class RawStation(asyncio.Protocol):
    __slots__ = ("booted", "buffer", "lost", "request", "state", "transport")

    HANDSHAKE, BOOTING, IDLE = 0, 1, 2

    def __init__(self, request: bytes, booted: "asyncio.Future[None]", lost: Any) -> None:
        self.request = request
        self.booted = booted
        self.lost = lost
        self.buffer = bytearray()
        self.state = self.HANDSHAKE
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        transport.write(self.request)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        if self.state == self.IDLE:
            if data and data[0] & 0x0F == 0x8:  # the server closes: answer and go
                self.close()
            return
        self.buffer += data
        if self.state == self.HANDSHAKE:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end])
            del self.buffer[: end + 4]
            if not head.startswith(b"HTTP/1.1 101") or ACCEPT not in head or SUBPROTOCOL.encode() not in head:
                self._fail(f"upgrade refused: {head[:120]!r}")
                return
            self.state = self.BOOTING
            assert self.transport is not None
            self.transport.write(BOOT_FRAME)
        self._read_boot_answer()

    def _read_boot_answer(self) -> None:
        buffer = self.buffer
        if len(buffer) < 2:
            return
        size, start = buffer[1] & 0x7F, 2
        if size == 126:
            if len(buffer) < 4:
                return
            size, start = int.from_bytes(buffer[2:4], "big"), 4
        if len(buffer) < start + size:
            return
        payload = bytes(buffer[start : start + size])
        self.buffer = bytearray()
        if buffer[0] & 0x0F != 0x1 or not payload.startswith(b"[3") or b'"Accepted"' not in payload:
            self._fail(f"boot not accepted: {payload[:120]!r}")
            return
        self.state = self.IDLE
        if not self.booted.done():
            self.booted.set_result(None)

    def _fail(self, reason: str) -> None:
        if not self.booted.done():
            self.booted.set_exception(ConnectionError(reason))
        self.close()

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(CLOSE_FRAME)
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost()
        if not self.booted.done():
            self.booted.set_exception(ConnectionError(f"connection lost: {exc}"))


async def connect_and_boot(port: int, index: int, timeout: float, lost: Any, secret: Secret) -> RawStation:
    loop = asyncio.get_running_loop()
    booted: asyncio.Future[None] = loop.create_future()
    async with asyncio.timeout(timeout):
        _, station = await loop.create_connection(
            lambda: RawStation(upgrade_request(port, index, secret), booted, lost), HOST, port
        )
        await booted
    return station  # type: ignore[return-value]
