"""300 stations move from node A to node B (a peer) in waves; 5% have firmware that falls back.

The fallback fault is given by a seed, so the test knows which stations fail: the canary is made of
stations that do not, the waves run in order, and the failure that goes over the budget stops the job
with every count accounted for. Resumes give a fresh budget until every station has run.
"""

import json
from collections.abc import Callable
from math import floor
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from switchyard.api.app import create_app
from switchyard.sim.faults import parse_faults
from switchyard.sim.fleet import SimulatedFleet, fleet_specs
from switchyard.sim.register import register_stations
from switchyard.sim.spec import StationSpec
from switchyard.store.tables import WebhookEvent
from tests.migration.support import migration, served_api, start_migration, wait_for_migration
from tests.sim.support import profile_for
from tests.support import RunningNode

pytestmark = pytest.mark.slow

STATIONS = 300
# Seed 0 gives the fallback fault to 15 of the 300 (5%), none of them among the first five.
SEED = 0
CANARY, WAVE, CONCURRENCY, RATE = 5, 50, 25, 0.02
BUDGET = floor(RATE * STATIONS)  # 6: the 7th failure stops the job
# Calls that change a station: a station that never received one was never touched.
CHANGES = {"ChangeConfiguration", "SetNetworkProfile", "SetVariables", "Reset"}
FINAL = {"confirmed", "fell_back", "failed", "rolled_back", "cancelled", "preflight_failed", "unsupported"}


def fleet(node: RunningNode) -> list[StationSpec]:
    return fleet_specs(
        STATIONS,
        node.ws_url,
        [profile_for("1.6"), profile_for("2.0.1")],
        pattern="BULK-{n:03}",
        faults=parse_faults("fallback,fraction=0.05"),
        fault_seed=SEED,
        reboot_seconds=0.2,
        backoff_min=0.05,
        backoff_max=0.5,
        call_timeout=5.0,
    )


async def register_everywhere(specs: list[StationSpec], *nodes: RunningNode) -> None:
    for node in nodes:
        transport = httpx.ASGITransport(app=create_app(node.sy))
        outcome = await register_stations("http://switchyard.test", node.admin_key, specs, transport=transport)
        assert (outcome.created, outcome.failed) == (len(specs), [])


async def events(node: RunningNode, prefix: str) -> list[tuple[int, str, dict[str, Any]]]:
    """(seq, type, data) of the node's webhook events whose type starts with `prefix`, in the order written."""
    async with node.sy.db.transaction() as session:
        rows = await session.execute(
            select(WebhookEvent.seq, WebhookEvent.type, WebhookEvent.payload)
            .where(WebhookEvent.type.startswith(prefix))
            .order_by(WebhookEvent.seq)
        )
        return [(seq, kind, json.loads(payload)["data"]) for seq, kind, payload in rows]


async def until(node: RunningNode, job_id: str, done: Callable[[dict[str, Any]], bool], timeout: float) -> Any:
    # A 300-station view is not free to build: asked every quarter second.
    return await wait_for_migration(node, job_id, done, timeout, every=0.25)


def settled(job: dict[str, Any]) -> bool:
    """Nothing under way: every station is pending or at an end."""
    return job["status"] != "running" and all(s["state"] in FINAL | {"pending"} for s in job["stations"])


def by_state(job: dict[str, Any], *wanted: str) -> set[str]:
    return {s["identity"] for s in job["stations"] if s["state"] in wanted}


def wave_of(identities: list[str]) -> dict[str, int]:
    return {identity: 0 if n < CANARY else 1 + (n - CANARY) // WAVE for n, identity in enumerate(identities)}


async def test_300_stations_move_in_waves_and_the_failure_rate_stop_halts_them(
    node: RunningNode, second: RunningNode
) -> None:
    specs = fleet(node)
    identities = [s.identity for s in specs]
    failing = {s.identity for s in specs if s.faults.fallback}
    assert len(failing) == 15
    assert not failing & set(identities[:CANARY]), "the seed keeps the canary clear of the faulty firmware"
    await register_everywhere(specs, node, second)
    async with served_api(second) as b_api, SimulatedFleet(specs, connect_concurrency=50) as sims:
        await sims.wait_booted(timeout=30)
        body = {
            "targetUrl": second.ws_url,
            "stations": identities,
            "securityProfile": 1,
            "confirmation": {"mode": "peer", "apiUrl": b_api, "apiKey": second.admin_key},
            "waves": {"canary": CANARY, "size": WAVE, "concurrency": CONCURRENCY, "maxFailureRate": RATE},
        }
        job_id = (await start_migration(node, body))["_id"]
        stopped = await until(node, job_id, lambda j: j["status"] != "running", timeout=60)
        assert stopped["status"] == "stopped"
        assert stopped["reason"] == f"{BUDGET + 1} failures, over the budget of {BUDGET} (2%)"
        ((_, _, stop),) = await events(node, "migration.stopped")
        at_stop = stop["counts"]
        assert at_stop["failed"] == BUDGET + 1

        after = await until(node, job_id, settled, timeout=30)
        assert [s["identity"] for s in after["stations"]] == identities
        pending = by_state(after, "pending")
        # Nothing started after the stop: the members pending then are pending now, and they are the
        # tail of the list (members start in order); the ones running then finished their procedure.
        assert len(pending) == at_stop["pending"]
        ran = STATIONS - len(pending)
        assert ran == at_stop["running"] + at_stop["succeeded"] + at_stop["failed"]
        assert pending == set(identities[ran:])
        # Seed 0 puts six faulty stations in waves 1 to 3 and the next ones in wave 4: the stop came there.
        assert wave_of(identities)[identities[ran - 1]] == 4
        assert by_state(after, "fell_back") == failing & set(identities[:ran])
        assert by_state(after, "confirmed") == set(identities[:ran]) - failing
        assert len(by_state(after, "fell_back")) - at_stop["failed"] <= at_stop["running"]
        for identity in identities[ran:]:
            station = sims[identity]
            assert not CHANGES & set(station.received_actions()), identity
            assert station.target is not None
            assert station.target.url == node.ws_url, identity

        await check_waves(node, identities, ran)
        done = await resume_until_completed(node, job_id)
        assert by_state(done, "fell_back") == failing
        assert by_state(done, "confirmed") == set(identities) - failing
        assert all(second.sy.link.is_connected(i) for i in set(identities) - failing)
        assert [d["wave"] for _, _, d in await events(node, "migration.wave_started")] == list(range(7))


async def check_waves(node: RunningNode, identities: list[str], ran: int) -> None:
    """The canary ran first and alone, and each wave started once the one before it had finished."""
    waves = wave_of(identities)
    started_waves = await events(node, "migration.wave_started")
    assert [d["wave"] for _, _, d in started_waves] == list(range(waves[identities[ran - 1]] + 1))
    assert [d["canary"] for _, _, d in started_waves][:2] == [True, False]
    stations = await events(node, "chargestation.migration.")
    started = [(seq, d["identity"]) for seq, kind, d in stations if kind.endswith(".started")]
    assert [i for _, i in started[:CANARY]] == identities[:CANARY]
    assert sorted(i for _, i in started) == sorted(identities[:ran]), "each station started once"
    ended = {d["identity"]: seq for seq, kind, d in stations if kind.endswith((".confirmed", ".fell_back"))}
    for seq, wave in ((s, d["wave"]) for s, _, d in started_waves):
        firsts = [s for s, i in started if waves[i] == wave]
        assert firsts, wave
        assert seq < min(firsts), f"a station of wave {wave} started before the wave"
        if wave > 0:
            before = [ended[i] for i in identities if waves[i] == wave - 1]
            assert max(before) < seq, f"wave {wave} started before wave {wave - 1} had finished"


async def resume_until_completed(node: RunningNode, job_id: str) -> dict[str, Any]:
    """Resume after each stop: each resume gives a fresh budget for what is left, until all have run."""
    job = await migration(node, job_id)
    for _ in range(STATIONS):
        if job["status"] == "completed":
            return job
        assert job["status"] == "stopped", job["status"]
        ran = STATIONS - len(by_state(job, "pending"))
        forgiven = len(by_state(job, "fell_back"))
        response = await node.api.post(f"/v1.1/migrations/{job_id}/resume", headers=node.auth())
        assert response.status_code == 200, response.text
        # A stop that came when nothing was left to start (the last failures were among the last to
        # run) resumes straight into completed.
        assert response.json()["result"]["status"] in ("running", "completed")
        job = await until(node, job_id, lambda j: j["status"] != "running", timeout=60)
        if job["status"] == "stopped":
            budget = floor(RATE * (STATIONS - ran))
            assert job["reason"] == f"{budget + 1} failures, over the budget of {budget} (2%)"
            job = await until(node, job_id, settled, timeout=30)
            assert len(by_state(job, "fell_back")) > forgiven
    raise AssertionError("the job neither completed nor stopped again")
