"""Security profiles 2 (Basic auth over TLS) and 3 (client certificates), with a test CA; and moving a
station from one profile to another."""

import asyncio
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import trustme
import websockets
from websockets.exceptions import InvalidMessage, InvalidStatus

from switchyard.bus.local import STATION_BOOTED, StationBooted
from switchyard.core.principal import Principal
from switchyard.core.registry import StationChanges
from switchyard.domain import Scope
from switchyard.errors import Conflict, InvalidInput
from tests.support import (
    PASSWORD_16,
    PASSWORD_201,
    Pki,
    RunningNode,
    basic,
    boot,
    running_node,
    station,
    tls_settings,
    upgrade_status,
)


@pytest.fixture
def pki() -> Pki:
    return Pki(trustme.CA())


@pytest.fixture
async def tls_node(tmp_path: Path, pki: Pki) -> AsyncIterator[RunningNode]:
    async with running_node(tmp_path, **tls_settings(tmp_path, pki.ca)) as node:
        yield node


async def _status(url: str, context: ssl.SSLContext, headers: dict[str, str] | None = None) -> tuple[int, str]:
    try:
        async with websockets.connect(
            url,
            ssl=context,
            subprotocols=["ocpp1.6"],
            additional_headers=headers or {},
            open_timeout=5,  # type: ignore[list-item]
        ):
            return 101, ""
    except InvalidStatus as exc:
        return exc.response.status_code, bytes(exc.response.body or b"").decode()


async def test_profile_2_basic_auth_over_tls(tls_node: RunningNode, pki: Pki) -> None:
    await tls_node.add_station("CP-2", security_profile=2)
    async with station(tls_node.wss_url, "CP-2", PASSWORD_16, ssl=pki.station_context()) as ws:
        assert (await boot(ws))["status"] == "Accepted"
    assert await _status(f"{tls_node.wss_url}/CP-2", pki.station_context(), basic("CP-2", "f" * 32)) == (
        401,
        "wrong password\n",
    )


async def test_profile_2_refuses_plain_ws_and_profile_1_refuses_tls(tls_node: RunningNode, pki: Pki) -> None:
    await tls_node.add_station("CP-1", security_profile=1)
    status, body = await _status(f"{tls_node.wss_url}/CP-1", pki.station_context(), basic("CP-1", PASSWORD_16))
    assert status == 401
    assert "profile 1" in body


async def test_profiles_2_and_3_refuse_plain_ws(tls_node: RunningNode) -> None:
    """A station must use its configured profile, even on a node that could serve it over TLS."""
    await tls_node.add_station("CP-2", security_profile=2)
    status, body = await upgrade_status(f"{tls_node.ws_url}/CP-2", basic("CP-2", PASSWORD_16))
    assert status == 401
    assert "profile 2" in body
    await tls_node.add_station("CP-3", security_profile=3, serialNumber="SN-3")
    status, body = await upgrade_status(f"{tls_node.ws_url}/CP-3", basic("CP-3", PASSWORD_16))
    assert status == 401
    assert "profile 3" in body


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1:DeprecationWarning")
async def test_tls_below_1_2_is_refused_by_the_server(tls_node: RunningNode, pki: Pki) -> None:
    context = pki.station_context()
    context.set_ciphers("DEFAULT:@SECLEVEL=0")  # let the client offer what the server must refuse
    context.minimum_version = ssl.TLSVersion.TLSv1
    context.maximum_version = ssl.TLSVersion.TLSv1_1
    port = tls_node.sy.gateway.wss_port
    with pytest.raises((ssl.SSLError, ConnectionResetError)):
        await asyncio.open_connection("127.0.0.1", port, ssl=context, server_hostname="localhost")
    # the same client allowed TLS 1.2 gets through: the refusal was about the version
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    _, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context, server_hostname="localhost")
    assert writer.get_extra_info("ssl_object").version() == "TLSv1.2"
    writer.close()


@pytest.mark.parametrize("cn", ["SN-0001", "CP-3"])
async def test_profile_3_client_certificate_with_serial_or_identity_as_cn(
    tls_node: RunningNode, pki: Pki, cn: str
) -> None:
    await tls_node.add_station("CP-3", security_profile=3, serialNumber="SN-0001")
    async with station(tls_node.wss_url, "CP-3", ssl=pki.station_context(cn)) as ws:
        assert (await boot(ws))["status"] == "Accepted"


async def test_profile_3_certificate_of_another_station_is_refused(tls_node: RunningNode, pki: Pki) -> None:
    await tls_node.add_station("CP-3", security_profile=3, serialNumber="SN-0001")
    status, body = await _status(f"{tls_node.wss_url}/CP-3", pki.station_context("SN-9999"))
    assert status == 401
    assert "'SN-9999'" in body


async def test_profile_3_without_a_certificate_is_refused(tls_node: RunningNode, pki: Pki) -> None:
    await tls_node.add_station("CP-3", security_profile=3, serialNumber="SN-0001")
    status, body = await _status(f"{tls_node.wss_url}/CP-3", pki.station_context(), basic("CP-3", PASSWORD_201))
    assert status == 401
    assert "client certificate" in body


async def test_profile_3_certificate_from_an_unknown_ca_fails_the_tls_handshake(
    tls_node: RunningNode, pki: Pki
) -> None:
    await tls_node.add_station("CP-3", security_profile=3, serialNumber="SN-0001")
    # With TLS 1.3 the client learns of the refusal only when it reads: no HTTP answer ever comes.
    with pytest.raises((ssl.SSLError, OSError, InvalidMessage)):
        await _status(f"{tls_node.wss_url}/CP-3", pki.station_context("SN-0001", ca=trustme.CA()))
    assert tls_node.sy.gateway.sessions == {}


# -- moving a station to another security profile ----------------------------------------------
# Core sets `migrating_security_profile` through the registry; the station gets in with either
# profile until it is cleared, and the REST API shows none of it.

STATIONS = "/v1.1/chargestations"


def operator_of(created: dict[str, Any]) -> Principal:
    return Principal(created["operator"], key_id="core", scope=Scope.ADMIN, platform=True)


async def move(node: RunningNode, created: dict[str, Any], to: int | None) -> None:
    changes = StationChanges(migrating_security_profile=to)
    moved = await node.sy.registry.stations.update_station(operator_of(created), created["_id"], changes)
    assert moved.migrating_security_profile == to
    assert moved.security_profile == created["securityProfile"], "the move is written alone"


async def wss_status(node: RunningNode, pki: Pki, identity: str) -> tuple[int, str]:
    return await _status(f"{node.wss_url}/{identity}", pki.station_context(), basic(identity, PASSWORD_16))


async def test_a_station_moved_from_profile_1_to_2_gets_in_on_either_until_the_move_is_cleared(
    tls_node: RunningNode, pki: Pki
) -> None:
    boots: list[StationBooted] = []
    tls_node.sy.bus.subscribe(STATION_BOOTED, boots.append)
    created = await tls_node.add_station("CP-1", security_profile=1)
    assert (await wss_status(tls_node, pki, "CP-1"))[0] == 401
    await move(tls_node, created, 2)
    async with station(tls_node.ws_url, "CP-1", PASSWORD_16) as ws:
        assert (await boot(ws))["status"] == "Accepted"
        # the live session's record follows the registry
        assert tls_node.sy.gateway.sessions["CP-1"].endpoint.context.migrating_security_profile == 2
    async with station(tls_node.wss_url, "CP-1", PASSWORD_16, ssl=pki.station_context()) as ws:
        assert (await boot(ws))["status"] == "Accepted"
        await move(tls_node, created, None)
        assert tls_node.sy.gateway.sessions["CP-1"].endpoint.context.migrating_security_profile is None
    assert [b.url for b in boots] == [tls_node.ws_url, tls_node.wss_url]
    status, body = await wss_status(tls_node, pki, "CP-1")
    assert status == 401
    assert "profile 1" in body


async def test_a_move_needs_the_listener_of_the_profile(node: RunningNode) -> None:
    on_ws_only = await node.add_station("CP-1", security_profile=1)
    with pytest.raises(Conflict, match="securityProfile 2 needs the TLS station listener"):
        await move(node, on_ws_only, 2)


async def test_a_move_is_checked_like_a_security_profile(tls_node: RunningNode) -> None:
    certified = await tls_node.add_station("CP-3", security_profile=3, serialNumber="SN-3")
    with pytest.raises(InvalidInput, match="moving to security profile 2 needs a password"):
        await move(tls_node, certified, 2)
    with pytest.raises(InvalidInput, match="must be 1, 2 or 3; got 4"):
        await move(tls_node, certified, 4)
    await move(tls_node, certified, 3)  # no move, but harmless


async def test_the_rest_api_neither_shows_nor_takes_a_move(tls_node: RunningNode) -> None:
    created = await tls_node.add_station("CP-1", security_profile=1)
    await move(tls_node, created, 2)
    shown = await tls_node.api.get(f"{STATIONS}/{created['_id']}", headers=tls_node.auth())
    assert not any("migrating" in name.lower() for name in shown.json()["result"])
    patched = await tls_node.api.patch(
        f"{STATIONS}/{created['_id']}", json={"migratingSecurityProfile": None}, headers=tls_node.auth()
    )
    assert patched.status_code == 422
