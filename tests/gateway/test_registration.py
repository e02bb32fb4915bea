"""Boot policy by registration state, open registration, and reconnects."""

import asyncio
import json
from pathlib import Path

import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.support import PASSWORD_16, PASSWORD_201, RunningNode, basic, boot, exchange, running_node, station


async def test_pending_station_may_be_configured_but_not_send(node: RunningNode) -> None:
    await node.add_station("CP-P", registrationState="pending")
    async with station(node.ws_url, "CP-P", PASSWORD_16) as ws:
        reply = await boot(ws)
        assert reply["status"] == "Pending"
        assert reply["interval"] == node.sy.settings.boot_retry_interval
        status = {"connectorId": 0, "errorCode": "NoError", "status": "Available"}
        assert (await exchange(ws, [2, "s", "StatusNotification", status]))[:3] == [4, "s", "SecurityError"]
        # the CSMS may still read and change configuration while the station is Pending
        call = asyncio.create_task(node.sy.link.call("CP-P", "GetConfiguration", {}))
        frame = json.loads(await ws.recv())
        await ws.send(json.dumps([3, frame[1], {"configurationKey": []}]))
        assert await call == {"configurationKey": []}


async def test_rejected_station_is_told_so(node: RunningNode) -> None:
    await node.add_station("CP-R", ocpp_version="2.0.1", registrationState="rejected")
    async with station(node.ws_url, "CP-R", PASSWORD_201, version="2.0.1") as ws:
        assert (await boot(ws, "2.0.1"))["status"] == "Rejected"
        assert (await exchange(ws, [2, "h", "Heartbeat", {}]))[2] == "SecurityError"


async def test_accepting_a_pending_station_takes_effect_at_its_next_boot(node: RunningNode) -> None:
    created = await node.add_station("CP-P", registrationState="pending")
    async with station(node.ws_url, "CP-P", PASSWORD_16) as ws:
        assert (await boot(ws))["status"] == "Pending"
        patched = await node.api.patch(
            f"/v1.1/chargestations/{created['_id']}", json={"registrationState": "accepted"}, headers=node.auth()
        )
        assert patched.status_code == 200
        assert (await boot(ws))["status"] == "Accepted"


async def test_an_accepted_station_reconnecting_without_boot_is_served(node: RunningNode) -> None:
    """Stations SHOULD NOT boot again on a mere reconnect; they must not be locked out for it."""
    await node.add_station("CP-1")
    async with station(node.ws_url, "CP-1", PASSWORD_16) as ws:
        await boot(ws)
    await node.flush()
    async with station(node.ws_url, "CP-1", PASSWORD_16) as ws:
        assert (await exchange(ws, [2, "h", "Heartbeat", {}]))[0] == 3


async def test_rejecting_a_connected_station_disconnects_it(node: RunningNode) -> None:
    created = await node.add_station("CP-1")
    async with station(node.ws_url, "CP-1", PASSWORD_16) as ws:
        await boot(ws)
        await node.api.patch(
            f"/v1.1/chargestations/{created['_id']}", json={"registrationState": "rejected"}, headers=node.auth()
        )
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 5)


async def test_open_registration_trusts_first_credentials_and_boots_pending(tmp_path: Path) -> None:
    async with running_node(tmp_path, open_registration=True) as node:
        async with station(node.ws_url, "NEW-1", PASSWORD_201, version="2.0.1") as ws:
            assert (await boot(ws, "2.0.1"))["status"] == "Pending"
        listed = (await node.api.get("/v1.1/chargestations?identity=NEW-1", headers=node.auth())).json()["result"]
        assert len(listed) == 1
        new = listed[0]
        assert (new["registrationState"], new["site"], new["ocppVersion"], new["securityProfile"]) == (
            "pending",
            None,
            "2.0.1",
            1,
        )
        # the credentials it first presented are now the only ones accepted
        with pytest.raises(InvalidStatus) as refused:
            async with station(node.ws_url, "NEW-1", "another-password-entirely", version="2.0.1"):
                pass
        assert refused.value.response.status_code == 401


async def test_open_registration_needs_credentials_and_a_known_subprotocol(tmp_path: Path) -> None:
    async with running_node(tmp_path, open_registration=True) as node:
        with pytest.raises(InvalidStatus) as refused:
            async with station(node.ws_url, "NEW-2"):
                pass
        assert refused.value.response.status_code == 401
        async with websockets.connect(
            f"{node.ws_url}/NEW-3",
            subprotocols=["ocpp9"],
            additional_headers=basic("NEW-3", PASSWORD_201),  # type: ignore[list-item]
        ) as ws:
            assert ws.subprotocol is None
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 5)
        listed = (await node.api.get("/v1.1/chargestations", headers=node.auth())).json()["result"]
        assert listed == []
