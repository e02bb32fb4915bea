"""Stations that come back: node B is down (nothing listens on the port the stations are sent to), or
the simulator's `fallback` firmware cannot reach it. Node A reports them `fell_back` with the reason
read from their network settings; the operator rolls them back or retries once B is up.

Node B is a peer Switchyard: A asks its API whether it knows the stations and whether they booted
there. Its station port is reached through a `Gate`, shut to play B being down.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from switchyard.sim.faults import Faults
from switchyard.sim.spec import StationSpec
from switchyard.sim.station import SimulatedStation
from tests.migration.scenarios import (
    PRIORITY_16,
    PRIORITY_201,
    Gate,
    act,
    changes,
    from_next_boot,
    member,
    request,
    station_events,
    station_spec,
    stations_at,
    wait_state,
)
from tests.migration.support import ended, served_api, start_migration, wait_for_migration
from tests.support import RunningNode

OLD_ORDER_16 = "NetworkConnectionProfile1,NetworkConnectionProfile2"
BOTH = ("FB-16", "FB-201")


def reasons(target: str) -> dict[str, str]:
    """What the stations' settings say after they came back: the new slot first, not reachable."""
    return {
        "FB-16": (
            f"slot 2 ({target}) is first but the station could not connect to it within "
            "NetworkProfileConnectionTimeoutSec (30 s) and went back to slot 1"
        ),
        "FB-201": "slot 2 is first but failed 3 attempts; the station fell back to slot 1 (B10.FR.07)",
    }


@pytest.fixture
async def gate(second: RunningNode) -> AsyncIterator[Gate]:
    """Node B's station port, shut to begin with."""
    door = Gate(second.sy.gateway.ws_port)
    try:
        yield door
    finally:
        await door.shut()


def peer_request(target: str, b_api: str, second: RunningNode) -> dict[str, Any]:
    return request(target, list(BOTH), confirmation={"mode": "peer", "apiUrl": b_api, "apiKey": second.admin_key})


def both(node: RunningNode, tmp_path: Path, **options: Any) -> list[StationSpec]:
    """FB-16 and FB-201, to be known at both nodes and booted at node A."""
    return [
        station_spec(node, "FB-16", "1.6", tmp_path, **options),
        station_spec(node, "FB-201", "2.0.1", tmp_path, **options),
    ]


async def fall_back(node: RunningNode, job_id: str, stations: list[SimulatedStation], target: str) -> None:
    """Every station reset once, came back to node A, and is reported with its reason."""
    done = await wait_for_migration(node, job_id, ended)
    for station in stations:
        entry = member(done, station.identity)
        assert (entry["state"], entry["reason"]) == ("fell_back", reasons(target)[station.identity]), entry
        assert entry["after"]["priority"] == [2, 1], "the new slot is still first"
        assert station.received_actions().count("Reset") == 1
        assert [url for url, _, _ in station.boots] == [node.ws_url, node.ws_url]
        assert "chargestation.migration.fell_back" in await station_events(node, job_id, station.identity)


@asynccontextmanager
async def fallen_back(
    node: RunningNode, second: RunningNode, gate: Gate, tmp_path: Path
) -> AsyncIterator[tuple[dict[str, Any], SimulatedStation, SimulatedStation]]:
    """FB-16 and FB-201 sent to node B while it is down: both back at node A, `fell_back`."""
    async with served_api(second) as b_api, stations_at(node, *both(node, tmp_path), also=second) as (s16, s201):
        job = await start_migration(node, peer_request(gate.url, b_api, second))
        await fall_back(node, job["_id"], [s16, s201], gate.url)
        yield job, s16, s201


async def test_node_b_down_stations_fall_back_then_rollback_then_retry_once_b_is_up(
    node: RunningNode, second: RunningNode, gate: Gate, tmp_path: Path
) -> None:
    async with fallen_back(node, second, gate, tmp_path) as (job, s16, s201):
        for identity in BOTH:
            await act(node, f"{job['_id']}/stations/{identity}/rollback")
        for identity in BOTH:
            rolled = await wait_state(node, job["_id"], identity, {"rolled_back"})
            assert rolled["reason"].startswith("rolled back on request (it had fell_back: slot 2 ")
        # The old order, from the stations' next boot (a priority change answers RebootRequired).
        assert from_next_boot(s16, PRIORITY_16) == OLD_ORDER_16
        assert s16.value("NetworkConnectionProfile2") == ""
        assert from_next_boot(s201, PRIORITY_201) == "1"
        assert [s.received_actions().count("Reset") for s in (s16, s201)] == [1, 1], "a rollback does not reset"

        await gate.open()
        for identity in BOTH:
            await act(node, f"{job['_id']}/stations/{identity}/retry")
        for station in (s16, s201):
            await wait_state(node, job["_id"], station.identity, {"confirmed"})
            assert second.sy.link.is_connected(station.identity)
            assert not node.sy.link.is_connected(station.identity)
            assert station.boots[-1][0] == gate.url
            assert station.received_actions().count("Reset") == 2
        events = await station_events(node, job["_id"], "FB-16")
        assert events.index("chargestation.migration.fell_back") < events.index("chargestation.migration.rolled_back")
        assert events[-1] == "chargestation.migration.confirmed"


async def test_retry_right_after_a_fallback_resets_again_and_arrives_once_b_is_up(
    node: RunningNode, second: RunningNode, gate: Gate, tmp_path: Path
) -> None:
    async with fallen_back(node, second, gate, tmp_path) as (job, s16, s201):
        written = {s.identity: changes(s) for s in (s16, s201)}

        await gate.open()
        for identity in BOTH:
            retried = await act(node, f"{job['_id']}/stations/{identity}/retry")
            assert retried["result"]["step"] in ("wait_idle", "reset", "await_arrival")
        for station in (s16, s201):
            await wait_state(node, job["_id"], station.identity, {"confirmed"})
            assert second.sy.link.is_connected(station.identity)
            # The slot and the priority were still right: only the reset is sent again.
            assert changes(station) == [*written[station.identity], "Reset"]


async def test_the_fallback_firmware_is_reported_fell_back_with_the_reason(
    node: RunningNode, second: RunningNode, tmp_path: Path
) -> None:
    """Node B is up; the firmware takes the new settings but reaches only the CSMS it knew."""
    specs = both(node, tmp_path, faults=Faults(fallback=True))
    async with served_api(second) as b_api, stations_at(node, *specs, also=second) as (s16, s201):
        job = await start_migration(node, peer_request(second.ws_url, b_api, second))
        await fall_back(node, job["_id"], [s16, s201], second.ws_url)
        for station in (s16, s201):
            assert not second.sy.link.is_connected(station.identity)
            assert station.connections == 2, "node B never saw a connection"
