"""Live state in the API, and registry changes reaching connected stations."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from tests.api.helpers import expect
from tests.support import BOOT_16, BOOT_201, PASSWORD_16, PASSWORD_201, RunningNode, boot, exchange, station

STATIONS = "/v1.1/chargestations"


async def _eventually(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.01)):
        if await check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"not within {timeout} s")


async def _get(node: RunningNode, station_id: str) -> dict[str, Any]:
    found: dict[str, Any] = expect(await node.api.get(f"{STATIONS}/{station_id}", headers=node.auth()), 200)
    return found


async def _closed_by_server(ws: ClientConnection, timeout: float = 5.0) -> None:
    async def drain() -> None:
        while True:
            await ws.recv()

    with pytest.raises(ConnectionClosed):
        await asyncio.wait_for(drain(), timeout)


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


@pytest.mark.parametrize(("version", "password"), [("1.6", PASSWORD_16), ("2.0.1", PASSWORD_201)])
async def test_a_connected_station_shows_its_live_state(node: RunningNode, version: str, password: str) -> None:
    created = await node.add_station("CP-live", ocpp_version=version)
    assert created["live"] == {
        "connected": False,
        "connectionState": "disconnected",
        "connectedAt": None,
        "lastSeenAt": None,
        "lastBootAt": None,
        "lastBootStatus": None,
        "lastBootReason": None,
    }
    started = datetime.now(UTC).replace(microsecond=0)
    async with station(node.ws_url, "CP-live", password, version=version) as ws:
        assert (await boot(ws, version))["status"] == "Accepted"
        await node.flush()
        seen = await _get(node, created["_id"])
        live = seen["live"]
        assert live["connected"] is True
        assert live["connectionState"] == "connected"
        assert live["lastBootStatus"] == "Accepted"
        for stamp in ("connectedAt", "lastSeenAt", "lastBootAt"):
            assert started <= _parse(live[stamp]) <= datetime.now(UTC), stamp
        if version == "2.0.1":
            assert live["lastBootReason"] == "PowerUp"
        boot_data = BOOT_16 if version == "1.6" else BOOT_201["chargingStation"]
        assert seen["vendor"] == boot_data.get("chargePointVendor", boot_data.get("vendorName"))
        assert seen["model"] == boot_data.get("chargePointModel", boot_data.get("model"))
        assert seen["firmwareVersion"] == "1.2.3"
        listed = expect(await node.api.get(STATIONS, params={"identity": "CP-live"}, headers=node.auth()), 200)
        assert listed[0]["live"]["connected"] is True
        health = (await node.api.get("/healthz")).json()
        assert health["stationsConnected"] == 1

    async def gone() -> bool:
        await node.flush()
        return (await _get(node, created["_id"]))["live"]["connected"] is False

    await _eventually(gone)
    after = (await _get(node, created["_id"]))["live"]
    assert after["connectionState"] == "disconnected"
    assert after["connectedAt"] is None
    assert after["lastSeenAt"] is not None
    assert after["lastBootStatus"] == "Accepted"


async def test_deleting_a_connected_station_disconnects_it(node: RunningNode) -> None:
    created = await node.add_station("CP-doomed")
    async with station(node.ws_url, "CP-doomed", PASSWORD_16) as ws:
        await boot(ws)
        deleted = await node.api.delete(f"{STATIONS}/{created['_id']}", headers=node.auth())
        expect(deleted, 200, "charge station deleted")
        await _closed_by_server(ws)
    assert node.sy.gateway.connection("CP-doomed") is None
    await node.flush()
    expect(await node.api.get(f"{STATIONS}/{created['_id']}", headers=node.auth()), 404)
    # It is gone for the gateway too: a reconnect is refused.
    with pytest.raises(Exception, match="404"):
        async with station(node.ws_url, "CP-doomed", PASSWORD_16):
            pass


async def test_rejecting_a_connected_station_disconnects_it(node: RunningNode) -> None:
    created = await node.add_station("CP-rejected")
    async with station(node.ws_url, "CP-rejected", PASSWORD_16) as ws:
        await boot(ws)
        patched = await node.api.patch(
            f"{STATIONS}/{created['_id']}", json={"registrationState": "rejected"}, headers=node.auth()
        )
        assert expect(patched, 200)["registrationState"] == "rejected"
        await _closed_by_server(ws)
    assert node.sy.gateway.connection("CP-rejected") is None

    async def disconnected() -> bool:
        await node.flush()
        return (await _get(node, created["_id"]))["live"]["connected"] is False

    await _eventually(disconnected)
    # When it comes back, its boot is answered Rejected.
    async with station(node.ws_url, "CP-rejected", PASSWORD_16) as ws:
        assert (await boot(ws))["status"] == "Rejected"


async def test_other_changes_leave_a_connected_station_connected(node: RunningNode) -> None:
    created = await node.add_station("CP-stays")
    async with station(node.ws_url, "CP-stays", PASSWORD_16) as ws:
        await boot(ws)
        for body in ({"serialNumber": "SN-9"}, {"registrationState": "pending"}, {"registrationState": "accepted"}):
            expect(await node.api.patch(f"{STATIONS}/{created['_id']}", json=body, headers=node.auth()), 200)
        reply = await exchange(ws, [2, "hb", "Heartbeat", {}])
        assert reply[0] == 3
        assert (await _get(node, created["_id"]))["live"]["connected"] is True


async def test_changing_the_ocpp_version_of_a_connected_station_disconnects_it(node: RunningNode) -> None:
    created = await node.add_station("CP-upgraded")
    async with station(node.ws_url, "CP-upgraded", PASSWORD_16) as ws:
        await boot(ws)
        body = {"ocppVersion": "2.0.1", "password": PASSWORD_201}
        patched = await node.api.patch(f"{STATIONS}/{created['_id']}", json=body, headers=node.auth())
        assert expect(patched, 200)["ocppVersion"] == "2.0.1"
        await _closed_by_server(ws)
    async with station(node.ws_url, "CP-upgraded", PASSWORD_201, version="2.0.1") as ws:
        assert ws.subprotocol == "ocpp2.0.1"
        assert (await boot(ws, "2.0.1"))["status"] == "Accepted"
