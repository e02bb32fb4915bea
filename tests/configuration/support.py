"""Helpers for the configuration tests: a node that reads on boot, and following actions to their end."""

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection

from switchyard.sim.station import SimulatedStation
from tests.sim.support import register, spec_for
from tests.support import RunningNode, boot

# Quick enough for tests, slow enough to see ordering: spacing between changes, short calls.
SETTINGS: dict[str, Any] = {
    "read_on_boot": True,
    "change_spacing": 0.05,
    "call_timeout": 2.0,
    "configuration_read_timeout": 5.0,
    "webhook_retry_base": 0.05,
    "webhook_retry_max_delay": 0.2,
    "webhook_poll_interval": 0.2,
    # The webhook receivers listen on loopback, which webhooks may reach only when allowed.
    "webhook_allowed_networks": "127.0.0.1/32",
}
TERMINAL = ("completed", "rejected", "failed")


def ok_result(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["ok"] is True, body
    return body["result"]


async def action(node: RunningNode, action_id: str) -> dict[str, Any]:
    response = await node.api.get(f"/v1.1/actions/{action_id}", params={"view": "full"}, headers=node.auth())
    return ok_result(response)  # type: ignore[no-any-return]


async def wait_action(
    node: RunningNode, action_id: str, *, phase: str | None = None, timeout: float = 10.0
) -> dict[str, Any]:
    """The action once it is terminal (or has reached `phase`); fails after `timeout` seconds."""
    async with asyncio.timeout(timeout):
        while True:
            current = await action(node, action_id)
            if (phase is None and current["status"] in TERMINAL) or (phase is not None and current["phase"] == phase):
                return current
            await asyncio.sleep(0.02)


async def wait_reason(node: RunningNode, action_id: str, fragment: str, timeout: float = 10.0) -> dict[str, Any]:
    """The action once its `waitingFor` mentions `fragment`."""
    async with asyncio.timeout(timeout):
        while True:
            current = await action(node, action_id)
            if fragment in (current.get("waitingFor") or ""):
                return current
            await asyncio.sleep(0.02)


async def actions_of(node: RunningNode, station_id: str, **params: str) -> list[dict[str, Any]]:
    response = await node.api.get(
        f"/v1.1/chargestations/{station_id}/actions", params={"view": "full", **params}, headers=node.auth()
    )
    return ok_result(response)  # type: ignore[no-any-return]


async def wait_read(node: RunningNode, station_id: str, count: int = 1, timeout: float = 10.0) -> None:
    """Until `count` configuration reads of the station have completed."""
    async with asyncio.timeout(timeout):
        while True:
            reads = await actions_of(node, station_id, type="chargestation.get_configuration", status="completed")
            if len(reads) >= count:
                return
            await asyncio.sleep(0.02)


async def change(node: RunningNode, station_id: str, key: str, value: Any, **extra: Any) -> Any:
    return await node.api.post(
        f"/v1.1/chargestations/{station_id}/configurations",
        json={"key": key, "value": value, **extra},
        headers=node.auth(),
    )


async def baseline(node: RunningNode, enabled: bool) -> None:
    operators = ok_result(await node.api.get("/v1.1/operators", headers=node.auth()))
    own = operators[0]["_id"]
    response = await node.api.patch(f"/v1.1/operators/{own}", json={"baselineEnabled": enabled}, headers=node.auth())
    assert ok_result(response)["baselineEnabled"] is enabled


@asynccontextmanager
async def read_station(
    node: RunningNode, identity: str, version: str = "1.6", tmp_path: Path | None = None, **options: Any
) -> AsyncIterator[tuple[SimulatedStation, str]]:
    """A simulated station, registered, booted, and with its configuration read by the node."""
    spec = spec_for(node, identity, version, tmp_path, **options)
    registered = await register(node, spec)
    async with SimulatedStation(spec) as station:
        assert await station.wait_booted() == "Accepted"
        await wait_read(node, registered["_id"])
        yield station, str(registered["_id"])


async def event_types(node: RunningNode, action_id: str) -> list[str]:
    """The webhook events written for one action, oldest first."""
    response = await node.api.get("/v1.1/webhooks/events", params={"limit": 1000}, headers=node.auth())
    newest_first = [e for e in ok_result(response) if e["envelope"]["data"]["_id"] == action_id]
    return [e["type"] for e in reversed(newest_first)]


async def next_call(ws: ClientConnection, action: str, timeout: float = 30.0) -> list[Any]:
    """The CSMS's next `action` call; any other call on the way gets an empty answer."""
    async with asyncio.timeout(timeout):  # pytest-timeout cannot interrupt a uvloop test
        while True:
            frame = json.loads(await ws.recv(decode=True))
            if frame[0] == 2 and frame[2] == action:
                return list(frame)
            if frame[0] == 2:
                await ws.send(json.dumps([3, frame[1], {}]))


async def boot_and_read(node: RunningNode, ws: ClientConnection, station_id: str, *keys: dict[str, Any]) -> None:
    """A raw 1.6 station boots and answers the node's boot read with `keys`; returns once it is stored."""
    await boot(ws)
    read = await next_call(ws, "GetConfiguration")
    await ws.send(json.dumps([3, read[1], {"configurationKey": list(keys)}]))
    await wait_read(node, station_id)
