"""Stations busy charging, and an operator who pauses, resumes or cancels a migration.

A 1.6 Hard reset ends a charge, so Switchyard waits for idle itself (unless forced); a 2.0.1 OnIdle
reset is held by the station (Scheduled). Pause stops new stations from starting; cancel undoes what a
station that has not been reset yet had written, and sees through one that has been reset.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from switchyard.sim.faults import parse_faults
from switchyard.sim.station import SimulatedStation
from tests.migration.scenarios import (
    PRIORITY_16,
    act,
    changes,
    from_next_boot,
    member,
    station_events,
    station_spec,
    stations_at,
    wait_state,
    wait_step,
)
from tests.migration.support import ended, served_api, start_migration, wait_for_migration
from tests.support import RunningNode

OLD_ORDER_16 = "NetworkConnectionProfile1,NetworkConnectionProfile2"
# Long enough for several of node A's idle polls (0.1 s) to have seen the transaction still running.
SEVERAL_POLLS = 0.5


@pytest.fixture
async def b_api(second: RunningNode) -> AsyncIterator[str]:
    async with served_api(second) as url:
        yield url


def to_b(second: RunningNode, b_api: str, stations: list[str], **extra: Any) -> dict[str, Any]:
    """Stations to node B, confirmed by asking B; one station at a time unless `waves` says otherwise."""
    body: dict[str, Any] = {
        "targetUrl": second.ws_url,
        "stations": stations,
        "securityProfile": 1,
        "confirmation": {"mode": "peer", "apiUrl": b_api, "apiKey": second.admin_key},
        "waves": {"canary": 0, "size": 50, "concurrency": 1, "maxFailureRate": 1.0},
    }
    body.update(extra)
    return body


@asynccontextmanager
async def charging(
    node: RunningNode, second: RunningNode, identity: str, version: str, tmp_path: Path
) -> AsyncIterator[SimulatedStation]:
    """A station known to both nodes, booted at node A, with a transaction running."""
    async with stations_at(node, station_spec(node, identity, version, tmp_path), also=second) as (station,):
        await station.start_transaction()
        yield station


@asynccontextmanager
async def first_of_three_waiting(
    node: RunningNode, second: RunningNode, b_api: str, tmp_path: Path, prefix: str
) -> AsyncIterator[tuple[dict[str, Any], SimulatedStation, list[SimulatedStation]]]:
    """<prefix>-1, -2 and -3 moving one at a time; the first is charging, so it waits for idle and
    the others wait their turn."""
    specs = [station_spec(node, f"{prefix}-{n}", "1.6", tmp_path) for n in (1, 2, 3)]
    async with stations_at(node, *specs, also=second) as (busy, *later):
        await busy.start_transaction()
        job = await start_migration(node, to_b(second, b_api, [spec.identity for spec in specs]))
        await wait_step(node, job["_id"], f"{prefix}-1", "wait_idle")
        yield job, busy, later


def first(station: SimulatedStation, action: str, sent: bool = False) -> float:
    """When the station first received (or sent) `action`."""
    log = station.sent if sent else station.received
    return next(r.at for r in log if r.action == action)


async def test_a_busy_16_station_is_reset_only_once_its_transaction_ends(
    node: RunningNode, second: RunningNode, b_api: str, tmp_path: Path
) -> None:
    async with charging(node, second, "BUSY-16", "1.6", tmp_path) as station:
        job = await start_migration(node, to_b(second, b_api, ["BUSY-16"]))
        waiting = await wait_step(node, job["_id"], "BUSY-16", "wait_idle")
        assert waiting["state"] == "in_progress"
        await asyncio.sleep(SEVERAL_POLLS)
        assert "Reset" not in station.received_actions(), "reset while charging"
        assert (await wait_step(node, job["_id"], "BUSY-16", "wait_idle"))["state"] == "in_progress"

        await station.stop_transaction()
        await wait_state(node, job["_id"], "BUSY-16", {"confirmed"})
        assert station.received_actions().count("Reset") == 1
        assert first(station, "StopTransaction", sent=True) < first(station, "Reset")
        assert second.sy.link.is_connected("BUSY-16")


async def test_force_reset_does_not_wait_for_the_transaction(
    node: RunningNode, second: RunningNode, b_api: str, tmp_path: Path
) -> None:
    async with charging(node, second, "FORCED", "1.6", tmp_path) as station:
        job = await start_migration(node, to_b(second, b_api, ["FORCED"], forceReset=True))
        await wait_state(node, job["_id"], "FORCED", {"confirmed"})
        # The station ended the charge itself, as a Hard reset does.
        stopped = next(r for r in station.sent if r.action == "StopTransaction")
        assert stopped.payload["reason"] == "HardReset"
        assert first(station, "Reset") < stopped.at


async def test_a_201_onidle_reset_scheduled_by_the_station_completes_after_the_transaction(
    node: RunningNode, second: RunningNode, b_api: str, tmp_path: Path
) -> None:
    async with charging(node, second, "SCHED-201", "2.0.1", tmp_path) as station:
        job = await start_migration(node, to_b(second, b_api, ["SCHED-201"]))
        waiting = await wait_step(node, job["_id"], "SCHED-201", "await_arrival")
        assert waiting["state"] == "in_progress"
        reset = next(r for r in station.received if r.action == "Reset")
        assert reset.payload == {"type": "OnIdle"}
        await asyncio.sleep(SEVERAL_POLLS)
        assert len(station.boots) == 1, "the station holds the reset while it charges"
        assert node.sy.link.is_connected("SCHED-201")

        await station.stop_transaction()
        await wait_state(node, job["_id"], "SCHED-201", {"confirmed"})
        assert station.received_actions().count("Reset") == 1
        assert station.boots[-1] == (second.ws_url, "RemoteReset", "Accepted")


async def test_pause_stops_new_stations_starting_and_resume_goes_on(
    node: RunningNode, second: RunningNode, b_api: str, tmp_path: Path
) -> None:
    async with first_of_three_waiting(node, second, b_api, tmp_path, "PAUSE") as (job, busy, later):
        paused = await act(node, f"{job['_id']}/pause")
        assert paused["result"]["status"] == "paused"

        # The running station finishes its move; the pending ones do not start.
        await busy.stop_transaction()
        await wait_state(node, job["_id"], "PAUSE-1", {"confirmed"})
        await asyncio.sleep(SEVERAL_POLLS)
        held = await wait_for_migration(node, job["_id"], lambda j: j["status"] == "paused")
        assert {s["identity"]: s["state"] for s in held["stations"]} == {
            "PAUSE-1": "confirmed",
            "PAUSE-2": "pending",
            "PAUSE-3": "pending",
        }
        for station in later:
            assert station.received_actions() == [], f"{station.identity} was started while paused"

        resumed = await act(node, f"{job['_id']}/resume")
        assert resumed["result"]["status"] == "running"
        done = await wait_for_migration(node, job["_id"], ended)
        assert done["status"] == "completed"
        assert done["counts"] == {"confirmed": 3}


async def test_cancel_undoes_a_station_waiting_for_idle_and_cancels_the_pending_ones(
    node: RunningNode, second: RunningNode, b_api: str, tmp_path: Path
) -> None:
    async with first_of_three_waiting(node, second, b_api, tmp_path, "CANCEL") as (job, busy, later):
        assert busy.value("NetworkConnectionProfile2") == second.ws_url
        cancelled = await act(node, f"{job['_id']}/cancel")
        assert cancelled["result"]["status"] == "cancelled"

        await wait_state(node, job["_id"], "CANCEL-1", {"cancelled"})
        done = await wait_for_migration(node, job["_id"], ended)
        assert done["status"] == "cancelled"
        assert {s["identity"]: s["state"] for s in done["stations"]} == {
            "CANCEL-1": "cancelled",
            "CANCEL-2": "cancelled",
            "CANCEL-3": "cancelled",
        }
        # CANCEL-1 had its slot written and its priority set: both are put back, and it is not reset.
        assert busy.value("NetworkConnectionProfile2") == ""
        assert from_next_boot(busy, PRIORITY_16) == OLD_ORDER_16
        assert "Reset" not in changes(busy)
        assert "chargestation.migration.rolled_back" in await station_events(node, job["_id"], "CANCEL-1")
        # The pending ones never started: nothing was asked of them.
        for station in later:
            assert station.received_actions() == []
            assert member(done, station.identity)["step"] == "preflight"
        assert node.sy.link.is_connected("CANCEL-1")


async def test_cancel_never_leaves_a_station_half_done(
    node: RunningNode, second: RunningNode, b_api: str, tmp_path: Path
) -> None:
    """At the cancel, one station is in the middle of its calls (it answers slowly) and one has been
    reset already (its OnIdle reset is scheduled behind a charge): the first is undone, the second
    is seen through to its arrival at node B."""
    specs = [
        station_spec(node, "MID-CALL", "1.6", tmp_path, faults=parse_faults("slow=0.5")),
        station_spec(node, "RESET-SENT", "2.0.1", tmp_path),
    ]
    async with stations_at(node, *specs, also=second) as (slow, scheduled):
        await scheduled.start_transaction()
        waves = {"canary": 0, "size": 50, "concurrency": 2, "maxFailureRate": 1.0}
        job = await start_migration(node, to_b(second, b_api, ["MID-CALL", "RESET-SENT"], waves=waves))
        await wait_step(node, job["_id"], "RESET-SENT", "await_arrival")
        mid = await wait_step(node, job["_id"], "MID-CALL", "write_slot")
        assert mid["state"] == "in_progress"
        await act(node, f"{job['_id']}/cancel")

        undone = await wait_state(node, job["_id"], "MID-CALL", {"cancelled"})
        assert undone["step"] == "done"
        assert slow.value("NetworkConnectionProfile2") == ""
        assert from_next_boot(slow, PRIORITY_16) == OLD_ORDER_16
        assert "Reset" not in changes(slow)

        await scheduled.stop_transaction()
        seen_through = await wait_state(node, job["_id"], "RESET-SENT", {"confirmed"})
        assert seen_through["step"] == "done"
        assert second.sy.link.is_connected("RESET-SENT")
        done = await wait_for_migration(node, job["_id"], ended)
        assert {member(done, i)["state"] for i in ("MID-CALL", "RESET-SENT")} == {"cancelled", "confirmed"}
