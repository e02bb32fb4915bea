"""A websocket client that puts exactly the bytes a test chooses on the wire (RFC 6455 framing by hand),
for what well-behaved libraries will not send: close frames without a code, interleaved fragments,
floods past a station's budget."""

import asyncio
import base64
import json
import os
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

TEXT, BINARY, CONTINUATION, CLOSE, PING = 0x1, 0x2, 0x0, 0x8, 0x9


def frame(opcode: int, payload: bytes, fin: bool = True) -> bytes:
    """A masked client frame (clients must mask, RFC 6455 §5.3)."""
    head = bytes([(0x80 if fin else 0) | opcode])
    size = len(payload)
    if size < 126:
        head += bytes([0x80 | size])
    elif size < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", size)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", size)
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return head + mask + masked


@dataclass
class Received:
    opcode: int
    payload: bytes

    @property
    def close_code(self) -> int | None:
        return struct.unpack("!H", self.payload[:2])[0] if len(self.payload) >= 2 else None

    def json(self) -> Any:
        return json.loads(self.payload)


class RawWebSocket:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def send(self, opcode: int, payload: bytes | str, fin: bool = True) -> None:
        self.writer.write(frame(opcode, payload.encode() if isinstance(payload, str) else payload, fin))
        await self.writer.drain()

    async def send_text(self, message: Any) -> None:
        await self.send(TEXT, message if isinstance(message, str | bytes) else json.dumps(message))

    async def receive(self, timeout: float = 5.0) -> Received:
        async with asyncio.timeout(timeout):
            first, second = await self.reader.readexactly(2)
            size = second & 0x7F
            if size == 126:
                size = struct.unpack("!H", await self.reader.readexactly(2))[0]
            elif size == 127:
                size = struct.unpack("!Q", await self.reader.readexactly(8))[0]
            return Received(first & 0x0F, await self.reader.readexactly(size))

    async def closed(self, timeout: float = 5.0) -> bool:
        """Whether the server closed the TCP connection (EOF) within `timeout`."""
        try:
            async with asyncio.timeout(timeout):
                while await self.reader.read(65536):
                    pass
        except TimeoutError:
            return False
        return True


def upgrade_request(
    path: str,
    headers: dict[str, str] | None = None,
    subprotocol: str | None = "ocpp1.6",
    version: str = "13",
    host: str | None = "127.0.0.1",
) -> bytes:
    lines = [f"GET {path} HTTP/1.1"]
    if host is not None:
        lines.append(f"Host: {host}")
    lines += [
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}",
        f"Sec-WebSocket-Version: {version}",
    ]
    if subprotocol:
        lines.append(f"Sec-WebSocket-Protocol: {subprotocol}")
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def http_exchange(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send a raw request; the status, the headers (lower-case names), and the body of a refusal (the
    connection closes after one) or b"" after a 101."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        async with asyncio.timeout(5):
            head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        status = int(lines[0].split()[1])
        body = b""
        if status != 101:
            async with asyncio.timeout(5):
                body = await reader.read()
        return status, headers, body
    finally:
        writer.close()


@asynccontextmanager
async def raw_station(
    port: int, identity: str, headers: dict[str, str], subprotocol: str = "ocpp1.6", host: str | None = "127.0.0.1"
) -> AsyncIterator[RawWebSocket]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(upgrade_request(f"/ocpp/{quote(identity, safe='')}", headers, subprotocol, host=host))
        async with asyncio.timeout(5):
            head = await reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head
        yield RawWebSocket(reader, writer)
    finally:
        writer.close()
