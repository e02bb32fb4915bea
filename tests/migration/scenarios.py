"""What the end-to-end migration tests share: stations on node A (and known to node B), a request body,
firmware variants made from the built-in profiles, a port standing in for node B that can be shut, and
what a simulated station was asked to change."""

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from switchyard.sim.profile import FirmwareProfile
from switchyard.sim.spec import StationSpec
from switchyard.sim.station import SimulatedStation
from tests.migration.support import migration
from tests.sim.support import profile_for, register, spec_for
from tests.support import RunningNode

# Calls that change a station: a dry run or a refused station must receive none of them.
CHANGING = frozenset({"ChangeConfiguration", "SetNetworkProfile", "SetVariables", "Reset", "InstallCertificate"})
# A job of independent stations: no canary, all at once, and failures do not stop it.
ALL_AT_ONCE = {"canary": 0, "size": 50, "concurrency": 20, "maxFailureRate": 1.0}
PRIORITY_16 = "NetworkConfigurationPriority"
PRIORITY_201 = "OCPPCommCtrlr.NetworkConfigurationPriority"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def dead_url() -> str:
    """A ws:// URL nothing listens on: a CSMS that is down."""
    return f"ws://127.0.0.1:{free_port()}/ocpp"


def request(target: str, stations: list[str], **extra: Any) -> dict[str, Any]:
    """A migration body: external confirmation (nothing to ask), every station at once."""
    body: dict[str, Any] = {
        "targetUrl": target,
        "stations": stations,
        "securityProfile": 1,
        "confirmation": {"mode": "external", "deadlineSeconds": 60},
        "waves": ALL_AT_ONCE,
    }
    body.update(extra)
    return body


def changes(station: SimulatedStation) -> list[str]:
    """The changing calls the station received, in order."""
    return [action for action in station.received_actions() if action in CHANGING]


def from_next_boot(station: SimulatedStation, name: str) -> str | None:
    """The value the station uses from its next boot: a change that waits for the reboot (RebootRequired),
    else the one it has now."""
    firmware: Any = station.firmware
    if station.spec.ocpp == "1.6":
        waiting = firmware.config.pending.get(name)
    else:
        component, _, variable = name.partition(".")
        waiting = firmware.model.pending.get((component, None, None, None, variable, None))
    return waiting if waiting is not None else station.value(name)


def member(job: dict[str, Any], identity: str) -> dict[str, Any]:
    return next(s for s in job["stations"] if s["identity"] == identity)


async def station_state(node: RunningNode, job_id: str, identity: str) -> dict[str, Any]:
    return member(await migration(node, job_id), identity)


async def wait_state(
    node: RunningNode, job_id: str, identity: str, wanted: set[str], timeout: float = 30.0
) -> dict[str, Any]:
    """The station's entry once its state is one of `wanted` (and its step `done` for an ended one)."""
    async with asyncio.timeout(timeout):
        while True:
            found = await station_state(node, job_id, identity)
            if found["state"] in wanted and (found["state"] in ("in_progress", "departed") or found["step"] == "done"):
                return found
            await asyncio.sleep(0.05)


async def wait_step(node: RunningNode, job_id: str, identity: str, step: str, timeout: float = 30.0) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            found = await station_state(node, job_id, identity)
            if found["step"] == step:
                return found
            await asyncio.sleep(0.05)


async def act(node: RunningNode, path: str, status: int = 200) -> dict[str, Any]:
    """POST an action under /v1.1/migrations; the envelope's result."""
    response = await node.api.post(f"/v1.1/migrations/{path}", headers=node.auth())
    assert response.status_code == status, response.text
    return response.json()  # type: ignore[no-any-return]


async def station_events(node: RunningNode, job_id: str, identity: str) -> list[str]:
    """The webhook events written for one station of a migration, oldest first."""
    response = await node.api.get("/v1.1/webhooks/events", params={"limit": 1000}, headers=node.auth())
    assert response.status_code == 200, response.text
    newest_first = [
        e["type"]
        for e in response.json()["result"]
        if e["envelope"]["data"].get("migration") == job_id and e["envelope"]["data"].get("identity") == identity
    ]
    return list(reversed(newest_first))


def station_spec(
    node: RunningNode,
    identity: str,
    version: str,
    tmp_path: Path,
    firmware: FirmwareProfile | None = None,
    **options: Any,
) -> StationSpec:
    """A simulated station's spec, on a built-in profile (`profile=`) or on a variant (`firmware=`)."""
    spec = spec_for(node, identity, version, tmp_path, **options)
    return spec if firmware is None else replace(spec, profile=firmware)


@asynccontextmanager
async def stations_at(
    node: RunningNode, *specs: StationSpec, also: RunningNode | None = None
) -> AsyncIterator[list[SimulatedStation]]:
    """The stations registered at `node` (and at `also`), booted at `node`."""
    async with contextlib.AsyncExitStack() as stack:
        started = []
        for spec in specs:
            await register(node, spec)
            if also is not None:
                await register(also, spec)
            started.append(await stack.enter_async_context(SimulatedStation(spec)))
        for station in started:
            assert await station.wait_booted() == "Accepted"
        yield started


# -- firmware variants -----------------------------------------------------------------------------


def key_changed(version_profile: str, name: str, **changed: Any) -> FirmwareProfile:
    """A 1.6 built-in profile with one key changed (`readonly=True`), or left out (`gone=True`)."""
    profile = profile_for("1.6", version_profile)
    gone = changed.pop("gone", False)
    keys = tuple(
        replace(key, **changed) if key.name == name else key for key in profile.keys if not (gone and key.name == name)
    )
    return replace(profile, name=f"{profile.name}-{name}", keys=keys)


def variable_changed(version_profile: str, component: str, name: str, **changed: Any) -> FirmwareProfile:
    """A 2.0.1 built-in profile with one variable changed (`value="1,2"`, `mutability="ReadOnly"`)."""
    profile = profile_for("2.0.1", version_profile)
    variables = tuple(
        replace(v, **changed) if (v.component, v.variable) == (component, name) else v for v in profile.variables
    )
    return replace(profile, name=f"{profile.name}-{name}", variables=variables)


# -- node B's station port, shut and opened -------------------------------------------------------


class Gate:
    """A loopback port in front of node B's station listener: shut, nothing listens there (node B is
    down, as the stations see it); open, connections go through to node B."""

    def __init__(self, upstream_port: int) -> None:
        self._upstream = upstream_port
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ocpp"

    async def open(self) -> None:
        self._server = await asyncio.start_server(self._connect, "127.0.0.1", self.port, reuse_address=True)

    async def shut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for pipe in list(self._pipes):
            pipe.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._upstream)
        pipes = [asyncio.create_task(_pipe(reader, up_writer)), asyncio.create_task(_pipe(up_reader, writer))]
        self._pipes.update(pipes)
        try:
            await asyncio.gather(*pipes)
        finally:
            self._pipes.difference_update(pipes)
            for end in (writer, up_writer):
                end.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    with contextlib.suppress(OSError, RuntimeError):
        writer.write_eof()
