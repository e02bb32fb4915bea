"""A simulated station answers a misbehaving CSMS the way a station should (the brief's section 1)."""

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from switchyard.sim import station as station_module
from switchyard.sim.spec import StationSpec
from switchyard.sim.station import SimulatedStation
from tests.sim.support import profile_for


class RawCsms:
    """A CSMS written by hand: accepts the boot, then sends whatever the test tells it to."""

    def __init__(self) -> None:
        self.connection: ServerConnection | None = None
        self.ready = asyncio.Event()

    async def handler(self, connection: ServerConnection) -> None:
        boot = json.loads(await connection.recv())
        reply = {"status": "Accepted", "currentTime": "2026-01-01T00:00:00.000Z", "interval": 300}
        await connection.send(json.dumps([3, boot[1], reply]))
        self.connection = connection
        self.ready.set()
        await connection.wait_closed()

    async def exchange(self, frame: str | list[str]) -> Any:
        """Send `frame` (a list: as fragments of one message) and return the answer to it."""
        assert self.connection is not None
        await self.connection.send(frame)
        while True:
            answer = json.loads(await asyncio.wait_for(self.connection.recv(), 5))
            if answer[0] in (3, 4):
                return answer
            # the station's own calls (status notifications) are answered and skipped
            await self.connection.send(json.dumps([3, answer[1], {}]))


@asynccontextmanager
async def raw_csms(version: str) -> AsyncIterator[RawCsms]:
    csms = RawCsms()
    subprotocol = "ocpp1.6" if version == "1.6" else "ocpp2.0.1"
    async with serve(csms.handler, "127.0.0.1", 0, subprotocols=[subprotocol]) as server:  # type: ignore[list-item]
        port = server.sockets[0].getsockname()[1]
        spec = StationSpec("RAW-1", f"ws://127.0.0.1:{port}/ocpp", profile_for(version), password="x" * 32)
        async with SimulatedStation(spec):
            await asyncio.wait_for(csms.ready.wait(), 5)
            yield csms


@pytest.fixture(params=["1.6", "2.0.1"])
async def raw(request: pytest.FixtureRequest) -> AsyncIterator[tuple[RawCsms, str]]:
    async with raw_csms(request.param) as csms:
        yield csms, request.param


CASES = {
    "1.6": [
        ("{not json", [4, "-1", "FormationViolation"]),
        ('[2, "a", "GetConfiguration"]', [4, "a", "ProtocolError"]),
        ('[2, "a", "Teleport", {}]', [4, "a", "NotImplemented"]),
        ('[2, "a", "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}]', [4, "a", "NotSupported"]),
        ('[2, "a", "ChangeConfiguration", {"key": "HeartbeatInterval"}]', [4, "a", "OccurenceConstraintViolation"]),
        ('[2, "a", "Reset", {"type": "Sideways"}]', [4, "a", "PropertyConstraintViolation"]),
    ],
    "2.0.1": [
        ("{not json", [4, "-1", "RpcFrameworkError"]),
        ('[9, "a", "Reset", {}]', [4, "a", "MessageTypeNotSupported"]),
        ('[2, "a", "Teleport", {}]', [4, "a", "NotImplemented"]),
        ('[2, "a", "Heartbeat", {}]', [4, "a", "NotSupported"]),
        ('[2, "a", "Reset", {"type": 1}]', [4, "a", "TypeConstraintViolation"]),
        ('[2, "a", "GetVariables", {"getVariableData": []}]', [4, "a", "OccurrenceConstraintViolation"]),
    ],
}


async def test_bad_csms_frames_get_the_version_s_callerror(raw: tuple[RawCsms, str]) -> None:
    csms, version = raw
    for frame, expected in CASES[version]:
        answer = await csms.exchange(frame)
        assert answer[:3] == expected, frame
    # and the station still works
    good = '[2, "ok", "ClearCache", {}]'
    assert (await csms.exchange(good))[:2] == [3, "ok"]


async def test_a_fragmented_call_is_reassembled(raw: tuple[RawCsms, str]) -> None:
    csms, _ = raw
    text = '[2, "frag", "ClearCache", {}]'
    answer = await csms.exchange([text[:5], text[5:12], text[12:]])
    assert answer[:2] == [3, "frag"]


async def test_a_message_over_the_station_s_cap_closes_with_1009(monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression (issue 9): the simulator's own listener reassembled fragments without any bound."""
    monkeypatch.setattr(station_module, "MAX_MESSAGE_BYTES", 1024)
    async with raw_csms("1.6") as csms:
        assert csms.connection is not None
        await csms.connection.send(['[2, "big", "DataTransfer", {"vendorId": "' + "x" * 800, "x" * 800, '"}]'])
        with pytest.raises(ConnectionClosed) as closed:
            await _receive_until_closed(csms.connection)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1009


async def _receive_until_closed(connection: ServerConnection) -> None:
    while True:  # the station's own calls may come first
        await asyncio.wait_for(connection.recv(), 5)
