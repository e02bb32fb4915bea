"""The URL a station connected on, without its identity (migration compares it with the one it was given)."""

from pathlib import Path

import pytest
import trustme

from switchyard.bus.local import STATION_BOOTED, StationBooted
from switchyard.gateway.upgrade import connected_url, listener_host
from tests.gateway.raw_ws import raw_station
from tests.support import (
    BOOT_16,
    PASSWORD_16,
    PASSWORD_201,
    Pki,
    RunningNode,
    basic,
    boot,
    running_node,
    station,
    tls_settings,
)


@pytest.mark.parametrize(
    ("secure", "host", "path", "identity", "url"),
    [
        (False, "127.0.0.1:9000", "/ocpp/CP-1", "CP-1", "ws://127.0.0.1:9000/ocpp"),
        (True, "csms.example.com", "/ocpp/CP-1", "CP-1", "wss://csms.example.com/ocpp"),
        (True, "csms.example.com:443", "/ocpp/CP-1", "CP-1", "wss://csms.example.com:443/ocpp"),
        (False, "[2001:db8::1]:9000", "/ocpp/CP-1", "CP-1", "ws://[2001:db8::1]:9000/ocpp"),
        (True, "[::1]", "/ocpp/CP-1", "CP-1", "wss://[::1]/ocpp"),
        # a deeper prefix, kept as sent, percent-encoding included
        (False, "h:80", "/csms/v2/ocpp%20j/CP-1", "CP-1", "ws://h:80/csms/v2/ocpp%20j"),
        # stations at the root: no prefix at all
        (False, "h", "/CP-1", "CP-1", "ws://h"),
        # a trailing slash after the identity goes with it
        (False, "h", "/ocpp/CP-1/", "CP-1", "ws://h/ocpp"),
        # the identity's segment percent-encoded, in either case of hex digit
        (False, "h", "/ocpp/CP%201", "CP 1", "ws://h/ocpp"),
        (False, "h", "/ocpp/St%c3%a4tion-%C3%A4", "Stätion-ä", "ws://h/ocpp"),
        (False, "h", "/ocpp/%43P-1", "CP-1", "ws://h/ocpp"),
        # a last segment that is not the identity is not cut at a guess
        (False, "h", "/ocpp/CP-2", "CP-1", "ws://h/ocpp/CP-2"),
        (False, "h", "/ocpp/", "CP-1", "ws://h/ocpp/"),
        # a request without a Host header: the caller passes the listener's address (below)
        (True, "[::1]:9443", "/ocpp/CP-1", "CP-1", "wss://[::1]:9443/ocpp"),
    ],
)
def test_connected_url(secure: bool, host: str, path: str, identity: str, url: str) -> None:
    assert connected_url(secure, host, path, identity) == url


@pytest.mark.parametrize(
    ("sockname", "host"),
    [
        (("127.0.0.1", 9000), "127.0.0.1:9000"),
        (("::1", 9443, 0, 0), "[::1]:9443"),
        (("fe80::1%eth0", 9000, 0, 2), "[fe80::1%25eth0]:9000"),
        ("/run/switchyard.sock", None),
        (None, None),
    ],
)
def test_the_listeners_address_stands_in_for_a_missing_host_header(sockname: object, host: str | None) -> None:
    assert listener_host(sockname) == host


# -- a booting station publishes the URL it came on ---------------------------------------------


@pytest.fixture
def boots(node: RunningNode) -> list[StationBooted]:
    return _listen(node)


def _listen(node: RunningNode) -> list[StationBooted]:
    heard: list[StationBooted] = []
    node.sy.bus.subscribe(STATION_BOOTED, heard.append)
    return heard


async def test_a_station_booting_over_ws_publishes_its_url(node: RunningNode, boots: list[StationBooted]) -> None:
    await node.add_station("CP 1")  # percent-encoded in the URL; the prefix is what is kept
    async with station(node.ws_url, "CP 1", PASSWORD_16) as ws:
        assert (await boot(ws))["status"] == "Accepted"
    assert [(b.identity, b.url) for b in boots] == [("CP 1", node.ws_url)]
    assert node.ws_url == f"ws://127.0.0.1:{node.sy.gateway.ws_port}/ocpp"


async def test_the_host_header_is_kept_as_sent_and_stood_in_for_when_missing(
    node: RunningNode, boots: list[StationBooted]
) -> None:
    await node.add_station("CP-1")
    port = node.sy.gateway.ws_port
    assert port is not None
    for host in ("csms.example.com:8080", None):
        async with raw_station(port, "CP-1", basic("CP-1", PASSWORD_16), host=host) as ws:
            await ws.send_text([2, "b", "BootNotification", BOOT_16])
            assert (await ws.receive()).json()[2]["status"] == "Accepted"
    assert [b.url for b in boots] == ["ws://csms.example.com:8080/ocpp", f"ws://127.0.0.1:{port}/ocpp"]


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_a_station_booting_over_wss_publishes_its_url(tmp_path: Path, version: str) -> None:
    pki = Pki(trustme.CA())
    async with running_node(tmp_path, **tls_settings(tmp_path, pki.ca)) as node:
        boots = _listen(node)
        await node.add_station("CP-2", ocpp_version=version, security_profile=2)
        password = PASSWORD_16 if version == "1.6" else PASSWORD_201
        async with station(node.wss_url, "CP-2", password, version, ssl=pki.station_context()) as ws:
            assert (await boot(ws, version))["status"] == "Accepted"
        assert [b.url for b in boots] == [node.wss_url]
        assert node.wss_url == f"wss://127.0.0.1:{node.sy.gateway.wss_port}/ocpp"
