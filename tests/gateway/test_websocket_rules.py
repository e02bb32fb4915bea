"""RFC 6455 at the gateway: the opening handshake, closing, and fragmentation, as stations nobody here
wrote put them on the wire."""

import json

import pytest

from tests.gateway.raw_ws import BINARY, CLOSE, CONTINUATION, TEXT, http_exchange, raw_station, upgrade_request
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
