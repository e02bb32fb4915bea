"""RFC 6455 at the gateway: the opening handshake, closing, and fragmentation, as stations nobody here
wrote put them on the wire."""

import asyncio
import base64
import json
import os

import pytest

from tests.gateway.raw_ws import (
    BINARY,
    CLOSE,
    CONTINUATION,
    TEXT,
    RawWebSocket,
    frame,
    http_exchange,
    raw_station,
    upgrade_request,
)
from tests.support import PASSWORD_16, RunningNode, basic

BOOT = [2, "boot", "BootNotification", {"chargePointVendor": "Acme", "chargePointModel": "M"}]


async def _booted(node: RunningNode, identity: str = "WS-1") -> dict[str, str]:
    await node.add_station(identity)
    return basic(identity, PASSWORD_16)


async def test_a_close_without_a_code_is_answered_with_a_normal_closure(node: RunningNode) -> None:
    """Regression: a close frame with no payload was echoed with code 0 (picows' NO_INFO), which is not
    a valid code; Node `ws` and Python `websockets` reported a protocol error on every normal close."""
    headers = await _booted(node)
    async with raw_station(node.sy.gateway.ws_port, "WS-1", headers) as ws:
        await ws.send_text(BOOT)
        assert (await ws.receive()).json()[0] == 3
        await ws.send(CLOSE, b"")
        answer = await ws.receive()
        assert (answer.opcode, answer.close_code) == (CLOSE, 1000)
        assert await ws.closed()


@pytest.mark.parametrize(("sent", "answered"), [(1000, 1000), (1001, 1001), (4000, 4000), (0, 1002), (1005, 1002)])
async def test_close_codes_are_echoed_and_reserved_ones_refused(node: RunningNode, sent: int, answered: int) -> None:
    headers = await _booted(node)
    async with raw_station(node.sy.gateway.ws_port, "WS-1", headers) as ws:
        await ws.send(CLOSE, sent.to_bytes(2, "big") + b"bye")
        answer = await ws.receive()
        assert (answer.opcode, answer.close_code) == (CLOSE, answered)


async def test_a_new_message_inside_a_fragmented_one_fails_the_connection(node: RunningNode) -> None:
    """Regression: a new text frame while a fragmented message was open was accepted (RFC 6455 §5.4
    says the connection fails)."""
    headers = await _booted(node)
    async with raw_station(node.sy.gateway.ws_port, "WS-1", headers) as ws:
        await ws.send_text(BOOT)
        await ws.receive()
        text = json.dumps([2, "frag", "Heartbeat", {}])
        await ws.send(TEXT, text[:6], fin=False)
        await ws.send(TEXT, text)
        answer = await ws.receive()
        assert (answer.opcode, answer.close_code) == (CLOSE, 1002)
        assert b"fragmented" in answer.payload


async def test_a_fragmented_binary_message_is_refused_once_and_the_session_goes_on(node: RunningNode) -> None:
    headers = await _booted(node)
    async with raw_station(node.sy.gateway.ws_port, "WS-1", headers) as ws:
        await ws.send_text(BOOT)
        await ws.receive()
        await ws.send(BINARY, b'[2, "b",', fin=False)
        await ws.send(CONTINUATION, b' "Heartbeat",', fin=False)
        await ws.send(CONTINUATION, b" {}]")
        refused = (await ws.receive()).json()
        assert refused[:3] == [4, "-1", "FormationViolation"]
        text = json.dumps([2, "alive", "Heartbeat", {}])
        await ws.send(TEXT, text[:9], fin=False)
        await ws.send(CONTINUATION, text[9:])
        assert (await ws.receive()).json()[:2] == [3, "alive"]


async def test_websocket_version_8_is_answered_426_with_the_version_we_speak(node: RunningNode) -> None:
    """Regression: `Sec-WebSocket-Version: 8` got a 101 (RFC 6455 §4.4: 426 and the supported version)."""
    headers = await _booted(node)
    status, answer_headers, _ = await http_exchange(
        node.sy.gateway.ws_port, upgrade_request("/ocpp/WS-1", headers, version="8")
    )
    assert status == 426
    assert answer_headers["sec-websocket-version"] == "13"
    assert "WS-1" not in node.sy.gateway.sessions


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET /ocpp/WS-1 HTTP/1.1\r\nHost: x\r\n\r\n", 426),  # plain HTTP, no upgrade
        (
            b"GET /ocpp/WS-1 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: keep-alive\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
            400,
        ),
        (
            b"GET /ocpp/WS-1 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: c2hvcnQ=\r\nSec-WebSocket-Version: 13\r\n\r\n",
            400,
        ),
        (
            b"POST /ocpp/WS-1 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
            405,
        ),
    ],
)
async def test_requests_that_are_not_a_valid_opening_handshake(
    node: RunningNode, request_bytes: bytes, status: int
) -> None:
    await _booted(node)
    got, _, _ = await http_exchange(node.sy.gateway.ws_port, request_bytes)
    assert got == status


def _handshake(lines: list[str], headers: dict[str, str], request_line: str = "GET /ocpp/WS-1 HTTP/1.1") -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    all_lines = [request_line, "Host: 127.0.0.1", f"Sec-WebSocket-Key: {key}", *lines]
    all_lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(all_lines) + "\r\n\r\n").encode()


@pytest.mark.parametrize(
    "lines",
    [
        # Browsers (Firefox) and several embedded HTTP stacks list more than one Connection token.
        ["Upgrade: websocket", "Connection: keep-alive, Upgrade"],
        ["Upgrade: WebSocket", "Connection: Upgrade, HTTP2-Settings"],
        ["upgrade: websocket", "connection: upgrade", "sec-websocket-version: 13", "sec-websocket-protocol: ocpp1.6"],
        ["Upgrade: websocket", "Connection: Upgrade", "Content-Length: 0"],
    ],
)
async def test_opening_handshakes_as_foreign_clients_write_them_are_upgraded(
    node: RunningNode, lines: list[str]
) -> None:
    """Regression: the gate accepted `Connection: keep-alive, Upgrade` (RFC 6455 §4.2.1: a token list that
    includes "Upgrade"), then picows, which wants exactly "upgrade", answered 400 to the admitted station."""
    headers = await _booted(node)
    if not any(line.lower().startswith("sec-websocket-version") for line in lines):
        lines = [*lines, "Sec-WebSocket-Version: 13", "Sec-WebSocket-Protocol: ocpp1.6"]
    reader, writer = await asyncio.open_connection("127.0.0.1", node.sy.gateway.ws_port)
    try:
        writer.write(_handshake(lines, headers))
        async with asyncio.timeout(5):
            head = await reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head
        assert b"sec-websocket-protocol: ocpp1.6" in head.lower()
        ws = RawWebSocket(reader, writer)
        await ws.send_text(BOOT)
        assert (await ws.receive()).json()[:2] == [3, "boot"]
    finally:
        writer.close()


async def test_a_boot_in_the_same_segment_as_the_upgrade_request_is_answered(node: RunningNode) -> None:
    """The bytes after the request head, read in the same chunk, reach the websocket intact."""
    headers = await _booted(node)
    reader, writer = await asyncio.open_connection("127.0.0.1", node.sy.gateway.ws_port)
    try:
        writer.write(upgrade_request("/ocpp/WS-1", headers) + frame(TEXT, json.dumps(BOOT).encode()))
        async with asyncio.timeout(5):
            head = await reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head
        answer = (await RawWebSocket(reader, writer).receive()).json()
        assert answer[:2] == [3, "boot"]
        assert answer[2]["status"] == "Accepted"
    finally:
        writer.close()


@pytest.mark.parametrize(
    ("request_line", "lines", "reason"),
    [
        ("GET /ocpp/WS-1 HTTP/1.0", [], b"needs HTTP/1.1 or later; got HTTP/1.0"),
        ("GET /ocpp/WS-1 HTTP/1.1", ["Content-Length: 5"], b"must not have a body"),
        ("GET /ocpp/WS-1 HTTP/1.1", ["Transfer-Encoding: chunked"], b"must not have a body"),
    ],
)
async def test_upgrades_rfc_6455_does_not_allow_are_refused_with_the_reason(
    node: RunningNode, request_line: str, lines: list[str], reason: bytes
) -> None:
    headers = await _booted(node)
    base = ["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Protocol: ocpp1.6"]
    status, _, body = await http_exchange(node.sy.gateway.ws_port, _handshake(base + lines, headers, request_line))
    assert status == 400
    assert reason in body
    assert "WS-1" not in node.sy.gateway.sessions
