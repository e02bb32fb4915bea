"""A webhook receiver on a real socket: minimal HTTP/1.1 (keep-alive, Content-Length bodies), or HTTPS.

It records every request it answers, answers with `status` (200 unless told otherwise), can hold
requests until the test releases them, and can be stopped (connections refused) and started again
on the same port.
"""

import asyncio
import contextlib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    at: float  # time.monotonic()

    def json(self) -> Any:
        import json

        return json.loads(self.body)


class Receiver:
    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.requests: list[Received] = []
        self.status = 200
        # Decides per request when set, once the request is let through: its status (else `status`).
        self.rule: Callable[[dict[str, str], bytes], int] | None = None
        # Seconds to wait before answering (a slow receiver), per request.
        self.delay: Callable[[], float] | None = None
        # While set and not yet set free, requests wait for it (a receiver that hangs).
        self.hold: asyncio.Event | None = None
        # Sent with every answer.
        self.answer_headers: dict[str, str] = {}
        self.answer_body: bytes | None = None
        self.tls = tls
        # Requests being answered now (arrived, not yet answered).
        self.concurrent = 0
        self.max_concurrent = 0
        # TCP connections accepted so far.
        self.connections = 0
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._arrived = asyncio.Event()

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}/hook"

    @property
    def delivered(self) -> list[Received]:
        """Requests answered with a 2xx."""
        return [r for r in self.requests if 200 <= r.status < 300]

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, ssl=self.tls)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Refuse connections from now on, and drop the open ones."""
        if self._server is None:
            return
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        await self._server.wait_closed()
        self._server = None

    async def wait_for(self, condition: Callable[["Receiver"], bool], timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            while not condition(self):
                self._arrived.clear()
                await self._arrived.wait()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
                method, path, _ = head[0].split(" ", 2)
                headers = {}
                for line in head[1:]:
                    if line:
                        name, _, value = line.partition(":")
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                self.concurrent += 1
                self.max_concurrent = max(self.max_concurrent, self.concurrent)
                self._arrived.set()
                try:
                    if self.hold is not None:
                        await self.hold.wait()
                    if self.delay is not None:
                        await asyncio.sleep(self.delay())
                    status = self.rule(headers, body) if self.rule is not None else self.status
                finally:
                    self.concurrent -= 1
                self.requests.append(Received(method, path, headers, body, status, time.monotonic()))
                self._arrived.set()
                answer = self.answer_body or (b"ok" if status < 300 else b"receiver says no")
                extra = "".join(f"{name}: {value}\r\n" for name, value in self.answer_headers.items())
                head = f"HTTP/1.1 {status} X\r\ncontent-length: {len(answer)}\r\n{extra}\r\n"
                writer.write(head.encode() + answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError, ssl.SSLError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
