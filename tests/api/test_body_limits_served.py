"""Request bodies over a real socket: the API served by uvicorn as `switchyard serve` runs it.

An outermost ASGI layer counts the body bytes the application received, so "never read" is measured,
not inferred. Requests are written by hand, byte for byte, to control what a client has sent when the
answer comes: a client that sends only the head (as one that waits for `100 Continue` does) must get
its answer without sending the body.
"""

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from switchyard.api.app import create_app
from switchyard.runner import api_server
from switchyard.settings import Settings
from tests.api.test_body_limits import MiB, json_of_size
from tests.cli.test_serve import environment, serving
from tests.support import RunningNode, running_node

LIMIT = Settings.model_fields["api_max_body_bytes"].default
READ_TIMEOUT = 20.0  # only a bound on a hung test, never a measurement


class BodyCounter:
    """Counts the request body bytes the application was given."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.received = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def counted() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                self.received += len(message.get("body", b""))
            return message

        await self.app(scope, counted, send)


@dataclass
class Served:
    node: RunningNode
    port: int
    counter: BodyCounter


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    async with running_node(tmp_path) as node:
        counter = BodyCounter(create_app(node.sy))
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        server = api_server(counter, "127.0.0.1", 0)
        task = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            async with asyncio.timeout(READ_TIMEOUT):
                while not server.started:
                    assert not task.done(), "the API server stopped while starting"
                    await asyncio.sleep(0.01)
            yield Served(node, sock.getsockname()[1], counter)
        finally:
            server.should_exit = True
            await task
            sock.close()


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    sent: int = 0
    log: list[str] = field(default_factory=list)

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()
        self.sent += len(data)

    async def reply(self) -> Reply:
        async with asyncio.timeout(READ_TIMEOUT):
            head = await self.reader.readuntil(b"\r\n\r\n")
            status_line, *lines = head.decode("latin-1").split("\r\n")
            headers = {}
            for line in lines:
                if line:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
            body = await self.reader.readexactly(int(headers["content-length"]))
        return Reply(int(status_line.split()[1]), headers, json.loads(body))

    async def closed_by_server(self) -> bool:
        async with asyncio.timeout(READ_TIMEOUT):
            try:
                return await self.reader.read(1) == b""
            except ConnectionResetError:
                return True


@contextlib.asynccontextmanager
async def connect(port: int) -> AsyncIterator[Connection]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        yield Connection(reader, writer)
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


def head(method: str, path: str, key: str | None = None, **headers: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: switchyard.test", "Content-Type: application/json"]
    if key is not None:
        lines.append(f"Authorization: Bearer {key}")
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def chunked(data: bytes, size: int = 64 * 1024) -> bytes:
    pieces = [data[i : i + size] for i in range(0, len(data), size)]
    return b"".join(f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in pieces) + b"0\r\n\r\n"


def envelope(reply: Reply, status: int, message: str | None = None) -> None:
    assert reply.status == status, reply
    assert set(reply.body) == {"ok", "message", "result"}, reply
    assert reply.body["ok"] is (status < 400)
    if message is not None:
        assert reply.body["message"] == message, reply


async def test_a_client_without_a_key_gets_401_without_sending_its_100_mb(served: Served) -> None:
    """Regression (issue 8): the server waited for (and read) the whole body before answering 401."""
    async with connect(served.port) as connection:
        # Such a client waits for "100 Continue", which must never come: the answer is the 401 itself.
        request = head("POST", "/v1.1/chargestations", Content_Length=str(100 * MiB), Expect="100-continue")
        await connection.send(request)
        reply = await connection.reply()
        envelope(reply, 401, "missing API key: send 'Authorization: Bearer <key>'")
        assert reply.headers["www-authenticate"] == "Bearer"
        assert reply.headers["connection"] == "close"
        assert await connection.closed_by_server()
    assert served.counter.received == 0


async def test_twenty_clients_sending_big_bodies_without_a_key_give_the_app_nothing(served: Served) -> None:
    """Regression (issue 8): twenty 20 MB bodies without a key were read into memory (RSS +540 MB)."""

    async def one(number: int) -> None:
        async with connect(served.port) as connection:
            await connection.send(head("POST", "/v1.1/sites", Content_Length=str(3 * MiB)))
            # Like a client that does not wait for an answer: the body follows at once. The server
            # closes once it has answered, so this write may fail; it must not be read either way.
            writing = asyncio.create_task(connection.send(b" " * (3 * MiB)))
            with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
                envelope(await connection.reply(), 401)
            assert await connection.closed_by_server(), number
            with contextlib.suppress(ConnectionError):
                await writing

    await asyncio.gather(*(one(number) for number in range(20)))
    assert served.counter.received == 0


async def test_a_small_body_without_a_key_gets_401_and_the_connection_stays_usable(served: Served) -> None:
    body = json_of_size(512 * 1024)
    async with connect(served.port) as connection:
        await connection.send(head("POST", "/v1.1/sites", Content_Length=str(len(body))) + body)
        reply = await connection.reply()
        envelope(reply, 401)
        assert "connection" not in reply.headers, "at most the limit is left to throw away: keep the connection"
        await connection.send(b"GET /healthz HTTP/1.1\r\nHost: switchyard.test\r\n\r\n")
        assert (await connection.reply()).status == 200
    assert served.counter.received == 0


async def test_a_declared_length_over_the_limit_is_413_before_the_body(served: Served) -> None:
    """Regression (issue 8): there was no limit on a body's size."""
    async with connect(served.port) as connection:
        await connection.send(head("POST", "/v1.1/sites", served.node.admin_key, Content_Length=str(LIMIT + 1)))
        reply = await connection.reply()
        message = f"request body too large: Content-Length is {LIMIT + 1:,} bytes; this API accepts at most {LIMIT:,}"
        envelope(reply, 413, message)
        assert reply.headers["connection"] == "close"
        assert await connection.closed_by_server()
    assert served.counter.received == 0


async def test_a_chunked_body_within_the_limit_is_read_and_used(served: Served) -> None:
    body = json_of_size(LIMIT)
    async with connect(served.port) as connection:
        await connection.send(head("POST", "/v1.1/sites", served.node.admin_key, Transfer_Encoding="chunked"))
        await connection.send(chunked(body))
        reply = await connection.reply()
        envelope(reply, 201)
        assert reply.body["result"]["name"] == "depot"
    assert served.counter.received == LIMIT


async def test_a_chunked_body_past_the_limit_is_413_and_goes_no_further(served: Served) -> None:
    """Regression (issue 8): a chunked body was read whatever its size.

    The client sends exactly one byte past the limit (in a chunk it does not finish), then waits: the
    server has read everything sent, so its 413 and its close arrive cleanly. The JSON is valid up to
    the limit; a route that went on with what had arrived would create a site.
    """
    body = json_of_size(LIMIT + 1, b'{"name": "truncated"}')
    complete, last = body[:LIMIT], body[LIMIT:]
    async with connect(served.port) as connection:
        await connection.send(head("POST", "/v1.1/sites", served.node.admin_key, Transfer_Encoding="chunked"))
        await connection.send(chunked(complete)[: -len(b"0\r\n\r\n")] + b"10000\r\n" + last)
        reply = await connection.reply()
        envelope(reply, 413, f"request body too large: this API accepts at most {LIMIT:,} bytes")
        assert reply.headers["connection"] == "close"
        assert await connection.closed_by_server()
    assert served.counter.received == LIMIT + 1
    sites = await served.node.api.get("/v1.1/sites", headers=served.node.auth())
    assert sites.json()["result"] == []


@pytest.mark.slow
async def test_switchyard_serve_bounds_bodies_from_its_setting(tmp_path: Path) -> None:
    """The real process: SWITCHYARD_API_MAX_BODY_BYTES reaches the API, and keys come before bodies."""
    env = environment(tmp_path, SWITCHYARD_API_MAX_BODY_BYTES="4096")
    async with serving(tmp_path, env) as process:
        key = process.key
        assert key is not None
        port = int(env["SWITCHYARD_API_PORT"])
        async with connect(port) as connection:
            await connection.send(head("POST", "/v1.1/sites", Content_Length=str(100 * MiB)))
            envelope(await connection.reply(), 401)
        async with connect(port) as connection:
            await connection.send(head("POST", "/v1.1/sites", key, Content_Length="4097"))
            envelope(
                await connection.reply(),
                413,
                "request body too large: Content-Length is 4,097 bytes; this API accepts at most 4,096",
            )
        async with connect(port) as connection:
            await connection.send(head("POST", "/v1.1/sites", key, Transfer_Encoding="chunked"))
            await connection.send(b"1001\r\n" + json_of_size(4097, b'{"name": "over"}'))
            envelope(await connection.reply(), 413, "request body too large: this API accepts at most 4,096 bytes")
        async with connect(port) as connection:
            await connection.send(head("POST", "/v1.1/sites", key, Transfer_Encoding="chunked"))
            await connection.send(chunked(json_of_size(4096), size=1000))
            envelope(await connection.reply(), 201)
        assert await process.stop() == 0
        assert "Traceback" not in process.stderr.read_text()
