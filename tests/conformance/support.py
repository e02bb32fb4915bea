"""The OCTT's side of a conformance case: a station speaking OCPP-J frames by hand over a real socket,
and the operator's REST calls that start each case.

Every wait is bounded (pytest-timeout cannot interrupt a uvloop test): a socket read, an action
followed to its end, a connection that should close.
"""

import asyncio
import itertools
import json
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from tests.configuration.support import ok_result, wait_action, wait_read
from tests.support import RunningNode, station

# The longest any one step of a case may take: a frame from the node, an action reaching its end.
WAIT = 10.0

# Node settings for the suite: the product's defaults where a case depends on them (a read after
# every boot), short enough timeouts that a case that goes wrong fails in seconds.
SETTINGS: dict[str, Any] = {
    "read_on_boot": True,
    "change_spacing": 0.0,
    "call_timeout": 5.0,
    "configuration_read_timeout": 5.0,
}

BOOT_16 = {"chargePointVendor": "OCTT", "chargePointModel": "Virtual-16", "chargePointSerialNumber": "SN-16"}


def boot_201(reason: str = "PowerUp", serial: str | None = None) -> dict[str, Any]:
    station_data: dict[str, Any] = {"vendorName": "OCTT", "model": "Virtual-201"}
    if serial is not None:
        station_data["serialNumber"] = serial
    return {"reason": reason, "chargingStation": station_data}


# What a 1.6 station reports when asked for its whole configuration.
KEYS_16: list[dict[str, Any]] = [
    {"key": "GetConfigurationMaxKeys", "readonly": True, "value": "20"},
    {"key": "HeartbeatInterval", "readonly": False, "value": "300"},
    {"key": "MeterValueSampleInterval", "readonly": False, "value": "0"},
    {"key": "NumberOfConnectors", "readonly": True, "value": "1"},
    {"key": "SecurityProfile", "readonly": False, "value": "1"},
    {"key": "SupportedFeatureProfiles", "readonly": True, "value": "Core,RemoteTrigger"},
    {"key": "VendorDisplayMode", "readonly": False, "value": "day"},
]


def _variable(
    component: str,
    variable: str,
    value: str | None,
    data_type: str,
    mutability: str = "ReadWrite",
    instance: str | None = None,
    **characteristics: Any,
) -> dict[str, Any]:
    attribute: dict[str, Any] = {"type": "Actual", "mutability": mutability}
    if value is not None:
        attribute["value"] = value
    variable_data: dict[str, Any] = {"name": variable}
    if instance is not None:
        variable_data["instance"] = instance
    return {
        "component": {"name": component},
        "variable": variable_data,
        "variableAttribute": [attribute],
        "variableCharacteristics": {"dataType": data_type, "supportsMonitoring": False, **characteristics},
    }


# What a 2.0.1 station reports in a FullInventory base report (the variables the cases touch).
REPORT_201: list[dict[str, Any]] = [
    _variable("DeviceDataCtrlr", "ItemsPerMessage", "10", "integer", "ReadOnly", instance="GetVariables"),
    _variable("DeviceDataCtrlr", "ItemsPerMessage", "10", "integer", "ReadOnly", instance="SetVariables"),
    _variable("OCPPCommCtrlr", "HeartbeatInterval", "300", "integer", unit="s"),
    _variable("OCPPCommCtrlr", "OfflineThreshold", "60", "integer", unit="s", minLimit=0, maxLimit=86400),
    _variable("AuthCtrlr", "AuthorizeRemoteStart", "true", "boolean"),
    _variable("SecurityCtrlr", "BasicAuthPassword", None, "string", "WriteOnly", minLimit=16, maxLimit=40),
    _variable("SecurityCtrlr", "SecurityProfile", "1", "integer", "ReadOnly"),
]


class OcttStation:
    """One websocket connection, played frame by frame.

    Calls the CSMS sends while the station waits for an answer of its own are kept, in order, for
    `next_call`: nothing is answered behind the case's back."""

    def __init__(self, ws: ClientConnection, version: str) -> None:
        self.ws = ws
        self.version = version
        self._ids = itertools.count(1)
        self._calls: deque[list[Any]] = deque()

    async def _receive(self) -> list[Any]:
        async with asyncio.timeout(WAIT):
            frame = json.loads(await self.ws.recv(decode=True))
        assert isinstance(frame, list), frame
        return frame

    async def call(self, action: str, payload: dict[str, Any]) -> list[Any]:
        """Send a CALL; the CSMS's CALLRESULT or CALLERROR for it (the whole frame)."""
        message_id = f"octt-{next(self._ids)}"
        await self.ws.send(json.dumps([2, message_id, action, payload]))
        while True:
            frame = await self._receive()
            if frame[0] == 2:
                self._calls.append(frame)
            elif frame[1] == message_id:
                return frame
            else:
                raise AssertionError(f"{action}: an answer to another message arrived: {frame}")

    async def confirmed(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Send a CALL that must be answered with a CALLRESULT; its payload."""
        reply = await self.call(action, payload)
        assert reply[0] == 3, f"{action} was answered {reply}"
        return reply[2]  # type: ignore[no-any-return]

    async def next_call(self) -> list[Any]:
        """The CSMS's next CALL."""
        if self._calls:
            return self._calls.popleft()
        frame = await self._receive()
        assert frame[0] == 2, f"expected a CALL from the CSMS, got {frame}"
        return frame

    async def expect_call(self, action: str) -> list[Any]:
        call = await self.next_call()
        assert call[2] == action, f"expected {action}, the CSMS sent {call}"
        return call

    async def sent_nothing_else(self) -> None:
        """A Heartbeat round trip: any CALL the CSMS sent before it would have arrived first."""
        assert "currentTime" in await self.confirmed("Heartbeat", {})
        assert not self._calls, f"the CSMS also sent {list(self._calls)}"

    async def answer(self, call: list[Any], payload: dict[str, Any]) -> None:
        await self.ws.send(json.dumps([3, call[1], payload]))

    async def boot(self, reason: str = "PowerUp", serial: str | None = None) -> dict[str, Any]:
        payload = BOOT_16 if self.version == "1.6" else boot_201(reason, serial)
        return await self.confirmed("BootNotification", payload)

    async def report_connectors(self, status: str | None = None) -> None:
        """Tell the CSMS the state of every connector, as the OCTT does after a boot; each must be
        answered with an empty CALLRESULT."""
        if self.version == "1.6":
            for connector in (0, 1):
                payload = {"connectorId": connector, "errorCode": "NoError", "status": status or "Available"}
                assert await self.confirmed("StatusNotification", payload) == {}
            return
        now = "2025-01-01T00:00:00Z"
        state = status or "Available"
        notification = {"timestamp": now, "connectorStatus": state, "evseId": 1, "connectorId": 1}
        assert await self.confirmed("StatusNotification", notification) == {}
        event = {
            "generatedAt": now,
            "seqNo": 0,
            "eventData": [
                {
                    "eventId": 1,
                    "timestamp": now,
                    "trigger": "Delta",
                    "actualValue": state,
                    "eventNotificationType": "HardWiredNotification",
                    "component": {"name": "Connector", "evse": {"id": 1, "connectorId": 1}},
                    "variable": {"name": "AvailabilityState"},
                }
            ],
        }
        assert await self.confirmed("NotifyEvent", event) == {}

    def tls_version(self) -> str:
        ssl_object = self.ws.transport.get_extra_info("ssl_object")
        assert ssl_object is not None, "not a TLS connection"
        return str(ssl_object.version())

    async def closed_by_csms(self) -> int | None:
        """Wait until the CSMS closes the connection; its close code."""
        try:
            async with asyncio.timeout(WAIT):
                while True:
                    await self.ws.recv()
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd is not None else None

    # -- the boot read (SWITCHYARD_READ_ON_BOOT) ------------------------------------------------

    async def answer_configuration_read(self, keys: list[dict[str, Any]] | None = None) -> list[Any]:
        """Answer the node's whole-configuration read: 1.6 GetConfiguration without keys, 2.0.1
        GetBaseReport(FullInventory) and its NotifyReport pages. The request, as sent."""
        if self.version == "1.6":
            request = await self.expect_call("GetConfiguration")
            await self.answer(request, {"configurationKey": KEYS_16 if keys is None else keys})
            return request
        request = await self.expect_call("GetBaseReport")
        await self.answer(request, {"status": "Accepted"})
        await self.send_report(request[3]["requestId"], REPORT_201 if keys is None else keys)
        return request

    async def send_report(self, request_id: int, report: list[dict[str, Any]], per_page: int = 3) -> None:
        pages = [report[start : start + per_page] for start in range(0, len(report), per_page)] or [[]]
        for seq_no, page in enumerate(pages):
            payload: dict[str, Any] = {
                "requestId": request_id,
                "generatedAt": "2025-01-01T00:00:00Z",
                "seqNo": seq_no,
                "tbc": seq_no < len(pages) - 1,
            }
            if page:
                payload["reportData"] = page
            assert await self.confirmed("NotifyReport", payload) == {}


@asynccontextmanager
async def connected(
    url: str, identity: str, password: str | bytes | None = None, version: str = "1.6", **kwargs: Any
) -> AsyncIterator[OcttStation]:
    async with station(url, identity, password, version, **kwargs) as ws:
        yield OcttStation(ws, version)


# -- the operator ---------------------------------------------------------------------------------


async def read_configuration(node: RunningNode, station_id: str) -> dict[str, Any]:
    """Ask for a whole-configuration read (GET .../configurations); the action it created."""
    response = await node.api.get(f"/v1.1/chargestations/{station_id}/configurations", headers=node.auth())
    return ok_result(response)  # type: ignore[no-any-return]


async def reset(node: RunningNode, station_id: str, kind: str, **extra: Any) -> Any:
    return await node.api.post(
        f"/v1.1/chargestations/{station_id}/reset", json={"type": kind, **extra}, headers=node.auth()
    )


async def patch_station(node: RunningNode, station_id: str, **fields: Any) -> dict[str, Any]:
    response = await node.api.patch(f"/v1.1/chargestations/{station_id}", json=fields, headers=node.auth())
    return ok_result(response)  # type: ignore[no-any-return]


async def details(node: RunningNode, station_id: str) -> dict[str, dict[str, Any]]:
    """The configuration details, by name."""
    response = await node.api.get(f"/v1.1/chargestations/{station_id}/configurations/details", headers=node.auth())
    return {row["name"]: row for row in ok_result(response)}


async def configuration_read(
    node: RunningNode, st: OcttStation, station_id: str, keys: list[dict[str, Any]] | None = None
) -> list[Any]:
    """The station answers the node's whole-configuration read; returns the request once the node has
    stored the answer (changes are checked against it)."""
    request = await st.answer_configuration_read(keys)
    await wait_read(node, station_id, timeout=WAIT)
    return request


async def finished(node: RunningNode, action_id: str) -> dict[str, Any]:
    return await wait_action(node, action_id, timeout=WAIT)
