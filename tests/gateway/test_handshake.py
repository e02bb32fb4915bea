"""The websocket upgrade: URL and identity, subprotocol negotiation, Basic auth (security profile 1)."""

import asyncio
import base64
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from switchyard.gateway.gate import MAX_REQUEST_BYTES
from switchyard.gateway.picows_handover import TransportView
from tests.gateway.raw_ws import TEXT, RawWebSocket, frame, upgrade_request
from tests.support import PASSWORD_16, PASSWORD_201, RunningNode, basic, boot, station, upgrade_status

# -- subprotocol negotiation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("configured", "offered", "chosen"),
    [
        ("1.6", ["ocpp1.6"], "ocpp1.6"),
        ("2.0.1", ["ocpp2.0.1"], "ocpp2.0.1"),
        ("1.6", ["ocpp2.0.1", "ocpp1.6"], "ocpp1.6"),
        ("2.0.1", ["ocpp1.6", "ocpp2.0", "ocpp2.0.1", "ocpp2.1"], "ocpp2.0.1"),
    ],
)
async def test_the_configured_version_is_chosen_from_what_is_offered(
    node: RunningNode, configured: str, offered: list[str], chosen: str
) -> None:
    await node.add_station("CP-1", ocpp_version=configured)
    password = PASSWORD_16 if configured == "1.6" else PASSWORD_201
    async with station(node.ws_url, "CP-1", password, subprotocols=offered) as ws:
        assert ws.subprotocol == chosen
        assert ws.response is not None
        assert ws.response.headers["Sec-WebSocket-Protocol"] == chosen
        assert (await boot(ws, configured))["status"] == "Accepted"


@pytest.mark.parametrize("offered", [["ocpp0.1"], ["ocpp2.0.1"], ["chat", "superchat"]])
async def test_no_acceptable_subprotocol_completes_without_header_then_closes(
    node: RunningNode, offered: list[str]
) -> None:
    await node.add_station("CP-1", ocpp_version="1.6")
    async with station(node.ws_url, "CP-1", PASSWORD_16, subprotocols=offered) as ws:
        assert ws.subprotocol is None
        assert ws.response is not None
        assert "Sec-WebSocket-Protocol" not in ws.response.headers
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1002
    assert "CP-1" not in node.sy.gateway.sessions


async def test_no_subprotocol_header_at_all(node: RunningNode) -> None:
    await node.add_station("CP-1")
    reader, writer = await asyncio.open_connection("127.0.0.1", node.sy.gateway.ws_port)
    auth = basic("CP-1", PASSWORD_16)["Authorization"]
    writer.write(
        b"GET /ocpp/CP-1 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        + f"Authorization: {auth}\r\n\r\n".encode()
    )
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert head.startswith(b"HTTP/1.1 101")
    assert b"sec-websocket-protocol" not in head.lower()
    close_frame = await asyncio.wait_for(reader.read(2), 5)
    assert close_frame[0] == 0x88, "a CLOSE frame follows at once"
    writer.close()


# -- identity in the URL -------------------------------------------------------------------------


async def test_percent_encoded_identity_is_decoded(node: RunningNode) -> None:
    await node.add_station("RDAM 123 α")
    async with station(node.ws_url, "RDAM 123 α", PASSWORD_16) as ws:
        assert (await boot(ws))["status"] == "Accepted"
    assert node.sy.gateway.sessions == {}


async def test_identity_is_the_one_segment_after_the_prefix(node: RunningNode) -> None:
    """Regression: `/ocpp/x/y/ID` and `/ocpp/../ocpp/ID` were accepted as station ID; a proxy in front
    would route them elsewhere, so only the prefix plus one segment is a station URL."""
    await node.add_station("CP-9")
    base = f"ws://127.0.0.1:{node.sy.gateway.ws_port}"
    headers = basic("CP-9", PASSWORD_16)
    assert (await upgrade_status(f"{base}/ocpp/CP-9", headers))[0] == 101
    for refused in ("/ocpp/site-a/CP-9", "/ocpp/x/y/CP-9", "/ocpp/../ocpp/CP-9", "/ocpp//CP-9", "/elsewhere/CP-9"):
        status, body = await upgrade_status(base + refused, headers)
        assert (status, refused) == (404, refused)
        assert "stations connect under /ocpp/{identity}" in body
    assert (await upgrade_status(f"{base}/ocpp/", headers))[0] == 404
    assert (await upgrade_status(f"{base}/ocpp/..", headers))[0] == 400


@pytest.mark.parametrize(
    ("segment", "status", "reason"),
    [
        ("x" * 49, 400, "at most 48"),
        ("CP%3A1", 400, "':'"),
        ("CP%0A1", 400, "control characters"),
        ("a%2Fb", 400, "'/'"),
        ("%FF%FE", 400, "UTF-8"),
        ("NOBODY", 404, "unknown charging station"),
    ],
)
async def test_bad_or_unknown_identities(node: RunningNode, segment: str, status: int, reason: str) -> None:
    got, body = await upgrade_status(f"{node.ws_url}/{segment}", basic("x", PASSWORD_16))
    assert got == status
    assert reason in body


# -- security profile 1: Basic auth over ws -------------------------------------------------------


async def test_profile_1_right_password_hex_text_or_raw_bytes(node: RunningNode) -> None:
    await node.add_station("CP-1", password=PASSWORD_16)
    for presented in (PASSWORD_16, PASSWORD_16.upper(), bytes.fromhex(PASSWORD_16)):
        async with station(node.ws_url, "CP-1", presented) as ws:
            assert (await boot(ws))["status"] == "Accepted"


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        (None, "Basic credentials are required"),
        ({"Authorization": "Basic " + base64.b64encode(b"CP-1:" + b"f" * 32).decode()}, "wrong password"),
        ({"Authorization": "Basic " + base64.b64encode(b"CP-2:" + PASSWORD_16.encode()).decode()}, "username"),
        ({"Authorization": "Bearer abc"}, "Basic scheme"),
        ({"Authorization": "Basic !!!"}, "base64"),
        ({"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()}, "username:password"),
    ],
)
async def test_profile_1_refusals_are_401(node: RunningNode, headers: dict[str, str] | None, reason: str) -> None:
    await node.add_station("CP-1", password=PASSWORD_16)
    status, body = await upgrade_status(f"{node.ws_url}/CP-1", headers)
    assert status == 401
    assert reason in body
    assert "CP-1" not in node.sy.gateway.sessions


async def test_a_changed_password_applies_from_the_next_connection(node: RunningNode) -> None:
    created = await node.add_station("CP-1", password=PASSWORD_16)
    async with station(node.ws_url, "CP-1", PASSWORD_16) as ws:
        await boot(ws)
        new = "ffeeddccbbaa99887766554433221100"
        response = await node.api.patch(
            f"/v1.1/chargestations/{created['_id']}", json={"password": new}, headers=node.auth()
        )
        assert response.status_code == 200
        assert (await upgrade_status(f"{node.ws_url}/CP-1", basic("CP-1", PASSWORD_16)))[0] == 401
        assert (await upgrade_status(f"{node.ws_url}/CP-1", basic("CP-1", new)))[0] == 101


async def test_non_get_and_garbage_requests_are_refused(node: RunningNode) -> None:
    for request, status in (
        (b"POST /ocpp/CP-1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", b"405"),
        (b"\x16\x03\x01 not http at all\r\n\r\n", b"400"),
    ):
        reader, writer = await asyncio.open_connection("127.0.0.1", node.sy.gateway.ws_port)
        writer.write(request)
        head = await asyncio.wait_for(reader.read(200), 5)
        assert head.split(b" ")[1] == status
        writer.close()


async def test_a_newer_connection_replaces_the_older_one(node: RunningNode) -> None:
    await node.add_station("CP-1")
    async with station(node.ws_url, "CP-1", PASSWORD_16) as first:
        await boot(first)
        async with station(node.ws_url, "CP-1", PASSWORD_16) as second:
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(first.recv(), 5)
            assert (await boot(second))["status"] == "Accepted"
            assert node.sy.gateway.sessions["CP-1"].endpoint is not None
            assert len(node.sy.gateway.sessions) == 1


async def test_a_session_keeps_no_copy_of_its_upgrade_request_headers(node: RunningNode) -> None:
    """picows keeps the request it parsed for the connection's life (about 2 KB per station, 15% of
    an idle station's memory); the gate has its own copy, so the session drops picows' one."""
    await node.add_station("CP-1")
    async with station(node.ws_url, "CP-1", PASSWORD_16) as ws:
        await boot(ws)
        transport = node.sy.gateway.sessions["CP-1"].transport
        assert transport is not None
        assert transport.request is not None
        assert len(transport.request.headers) == 0
        assert (await boot(ws))["status"] == "Accepted"  # and the session goes on working


async def test_picows_sees_the_transport_through_a_view_and_the_socket_keeps_tcp_nodelay(node: RunningNode) -> None:
    """picows's own socket-option calls are answered by a view (each cost a socket object on uvloop);
    TCP_NODELAY, the one that matters, is the event loop's: stations' small frames are not delayed."""
    await node.add_station("CP-1")
    async with station(node.ws_url, "CP-1", PASSWORD_16) as ws:
        await boot(ws)
        transport = node.sy.gateway.sessions["CP-1"].transport
        assert transport is not None
        view = transport.underlying_transport
        assert isinstance(view, TransportView)
        real = view.transport.get_extra_info("socket")
        assert real.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        assert view.get_extra_info("socket").fileno() == real.fileno()
        assert view.get_extra_info("peername") == real.getpeername()
        assert (await boot(ws))["status"] == "Accepted"  # sends go through the view's write


@asynccontextmanager
async def _upgrading_slowly(
    node: RunningNode, monkeypatch: pytest.MonkeyPatch, seconds: float
) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    """A raw connection to CP-1 whose upgrade request was sent, and whose admission takes `seconds`."""
    await node.add_station("CP-1")
    admission = node.sy.gateway._admission
    decide = admission.admit

    async def slowly(request: Any, peer: Any) -> Any:
        await asyncio.sleep(seconds)
        return await decide(request, peer)

    monkeypatch.setattr(admission, "admit", slowly)
    reader, writer = await asyncio.open_connection("127.0.0.1", node.sy.gateway.ws_port)
    try:
        writer.write(upgrade_request("/ocpp/CP-1", basic("CP-1", PASSWORD_16)))
        yield reader, writer
    finally:
        writer.close()


async def test_a_boot_sent_before_the_101_is_kept_and_answered(
    node: RunningNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RFC 6455 §4.1 says to wait for the 101; an eager firmware that does not is still served."""
    async with _upgrading_slowly(node, monkeypatch, 0.2) as (reader, writer):
        boot_call = [2, "b", "BootNotification", {"chargePointVendor": "Acme", "chargePointModel": "Eager"}]
        writer.write(frame(TEXT, json.dumps(boot_call).encode()))
        async with asyncio.timeout(5):
            head = await reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101")
        answer = await RawWebSocket(reader, writer).receive()
        assert answer.json()[:2] == [3, "b"]
        assert answer.json()[2]["status"] == "Accepted"


async def test_data_streamed_while_the_upgrade_is_decided_is_bounded(
    node: RunningNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with _upgrading_slowly(node, monkeypatch, 0.5) as (reader, writer):
        await writer.drain()
        await asyncio.sleep(0.1)  # the request is read and being decided
        writer.write(frame(TEXT, b"x" * (MAX_REQUEST_BYTES + 1)))
        await writer.drain()
        async with asyncio.timeout(5):
            head = await reader.readuntil(b"\r\n\r\n")
            rest = await reader.read()
        assert head.startswith(b"HTTP/1.1 400"), head
        assert b"data sent before the upgrade was answered" in rest
    assert "CP-1" not in node.sy.gateway.sessions
