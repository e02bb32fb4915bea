"""Stations built with the `ocpp` library's ChargePoint boot and heartbeat against the gateway."""

import asyncio
from urllib.parse import quote

import websockets
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call as call16
from ocpp.v16 import call_result as call_result16
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call as call201
from ocpp.v201 import datatypes as datatypes201
from sqlalchemy import select

from switchyard.store.tables import ConnectorState
from tests.support import PASSWORD_16, PASSWORD_201, RunningNode, basic


async def test_ocpp_library_16_station(node: RunningNode) -> None:
    await node.add_station("LIB-16")
    async with websockets.connect(
        f"{node.ws_url}/{quote('LIB-16')}",
        subprotocols=["ocpp1.6"],
        additional_headers=basic("LIB-16", PASSWORD_16),  # type: ignore[list-item]
    ) as ws:
        cp = ChargePoint16("LIB-16", ws)
        runner = asyncio.create_task(cp.start())
        boot = await cp.call(call16.BootNotification(charge_point_vendor="Acme", charge_point_model="M1"))
        assert boot.status == "Accepted"
        assert boot.interval == 900  # the recommended baseline pins HeartbeatInterval (on by default)
        beat = await cp.call(call16.Heartbeat())
        assert beat.current_time.endswith("Z")
        # suppress=False: a CALLERROR raises instead of coming back as None.
        status = await cp.call(
            call16.StatusNotification(connector_id=1, error_code="NoError", status="Preparing"), suppress=False
        )
        assert status == call_result16.StatusNotification()
        runner.cancel()
    # The status reached the node: 1.6 connector 1 is EVSE 1, connector 1.
    await node.flush()
    async with node.sy.db.sessions() as session:
        states = (await session.scalars(select(ConnectorState))).all()
    assert [(s.evse_id, s.connector_id, s.status, s.error_code) for s in states] == [(1, 1, "Preparing", "NoError")]


async def test_ocpp_library_201_station(node: RunningNode) -> None:
    await node.add_station("LIB-201", ocpp_version="2.0.1")
    async with websockets.connect(
        f"{node.ws_url}/LIB-201",
        subprotocols=["ocpp2.0.1"],
        additional_headers=basic("LIB-201", PASSWORD_201),  # type: ignore[list-item]
    ) as ws:
        cp = ChargePoint201("LIB-201", ws)
        runner = asyncio.create_task(cp.start())
        boot = await cp.call(
            call201.BootNotification(
                charging_station=datatypes201.ChargingStationType(vendor_name="Acme", model="M2"), reason="PowerUp"
            )
        )
        assert boot.status == "Accepted"
        beat = await cp.call(call201.Heartbeat())
        assert beat.current_time.endswith("Z")
        runner.cancel()
