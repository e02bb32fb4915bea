"""Node A is killed (SIGKILL) in the middle of a wave and started again on the same database and ports:
every station resumes from its step. None is reset twice, none is left without a record, and the job
completes: every station confirmed at node B but one whose firmware falls back, reported so."""

import asyncio
import os
import signal
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from switchyard.api.app import create_app
from switchyard.sim.faults import Faults
from switchyard.sim.fleet import SimulatedFleet, fleet_specs
from switchyard.sim.register import register_stations
from switchyard.sim.spec import StationSpec
from tests.cli.test_serve import environment, serving
from tests.migration.support import served_api
from tests.sim.support import profile_for
from tests.support import RunningNode

pytestmark = pytest.mark.slow

STATIONS = 30
# Two 1.6 stations that start together (right after the canary) and answer every call a second late,
# Reset too, so the kill can wait until both have a reset sent and unanswered. The second also has
# firmware that falls back: it comes back to A while A is down.
ARRIVES, FALLS_BACK = 2, 4
# Fast polls, as the in-process nodes of tests/migration have them.
FAST_ENV = {
    "SWITCHYARD_MIGRATION_POLL_SECONDS": "0.1",
    "SWITCHYARD_BOOT_GRACE": "0.5",
    "SWITCHYARD_CALL_TIMEOUT": "5",
    "SWITCHYARD_MIGRATION_RECONNECT_WAIT": "20",
    "SWITCHYARD_READ_ON_BOOT": "false",
    "SWITCHYARD_API_REQUEST_BURST": "1000000",
}


def fleet(url: str) -> list[StationSpec]:
    specs = fleet_specs(
        STATIONS,
        url,
        [profile_for("1.6"), profile_for("2.0.1")],
        pattern="KILL-{n:02}",
        reboot_seconds=1.0,
        backoff_min=0.05,
        backoff_max=0.5,
        call_timeout=5.0,
    )
    specs[ARRIVES] = replace(specs[ARRIVES], faults=Faults(answer_delay=1.0))
    specs[FALLS_BACK] = replace(specs[FALLS_BACK], faults=Faults(answer_delay=1.0, fallback=True))
    return specs


async def job_of(api: httpx.AsyncClient, job_id: str) -> dict[str, Any]:
    response = await api.get(f"/v1.1/migrations/{job_id}")
    assert response.status_code == 200, response.text
    return response.json()["result"]  # type: ignore[no-any-return]


async def wait_for(api: httpx.AsyncClient, job_id: str, done: Any, timeout: float) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    give_up = loop.time() + timeout
    while True:
        job = await job_of(api, job_id)
        if done(job):
            return job
        assert loop.time() < give_up, f"not there in {timeout} s: {job['status']} {steps(job)}"
        await asyncio.sleep(0.05)


def steps(job: dict[str, Any]) -> Counter[str]:
    return Counter(f"{s['state']}/{s['step']}" for s in job["stations"])


def mid_wave(job: dict[str, Any]) -> bool:
    """Some stations through, some under way (two with their reset sent and not answered yet), some
    not started: a kill now hits every kind."""
    counts = job["counts"]
    if {job["stations"][n]["step"] for n in (ARRIVES, FALLS_BACK)} != {"reset"}:
        return False
    under_way = counts.get("in_progress", 0) + counts.get("departed", 0)
    return counts.get("confirmed", 0) >= 3 and under_way >= 2 and counts.get("pending", 0) >= 5


async def events(api: httpx.AsyncClient, kind: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while True:
        page = await api.get("/v1.1/webhooks/events", params={"type": kind, "limit": 100, "offset": len(found)})
        assert page.status_code == 200, page.text
        found += page.json()["result"]
        if len(page.json()["result"]) < 100:
            return found


async def start_job(api: httpx.AsyncClient, specs: list[StationSpec], second: RunningNode, b_api: str) -> str:
    body = {
        "targetUrl": second.ws_url,
        "stations": [s.identity for s in specs],
        "securityProfile": 1,
        "confirmation": {"mode": "peer", "apiUrl": b_api, "apiKey": second.admin_key},
        # One wave, a few at a time: the kill finds stations at every step.
        "waves": {"canary": 1, "size": STATIONS, "concurrency": 4, "maxFailureRate": 0.5},
    }
    created = await api.post("/v1.1/migrations", json=body)
    assert created.status_code == 201, created.text
    return str(created.json()["result"]["_id"])


async def test_a_node_killed_mid_wave_resumes_every_station_from_its_step(second: RunningNode, tmp_path: Path) -> None:
    env = environment(tmp_path, **FAST_ENV)
    specs = fleet(f"ws://127.0.0.1:{env['SWITCHYARD_OCPP_PORT']}/ocpp")
    identities = sorted(s.identity for s in specs)
    async with serving(tmp_path, env) as first:
        key = first.key
        assert key is not None
        registered = await register_stations(first.api, key, specs)
        assert (registered.created, registered.failed) == (STATIONS, [])
        transport = httpx.ASGITransport(app=create_app(second.sy))
        on_b = await register_stations("http://switchyard.test", second.admin_key, specs, transport=transport)
        assert (on_b.created, on_b.failed) == (STATIONS, [])
        async with (
            served_api(second) as b_api,
            SimulatedFleet(specs) as sims,
            httpx.AsyncClient(base_url=first.api, headers={"Authorization": f"Bearer {key}"}, timeout=10) as api,
        ):
            await sims.wait_booted(timeout=30)
            job_id = await start_job(api, specs, second, b_api)
            at_kill = await wait_for(api, job_id, mid_wave, timeout=30)
            os.kill(first.process.pid, signal.SIGKILL)
            assert await asyncio.wait_for(first.process.wait(), 10) == -signal.SIGKILL

            async with serving(tmp_path, env, until="Database") as again:
                assert again.key is None, "the same database: no new first key"
                done = await wait_for(api, job_id, lambda j: j["status"] != "running", timeout=60)
                started = await events(api, "chargestation.migration.started")
                confirmed = await events(api, "chargestation.migration.confirmed")
                fell = await events(api, "chargestation.migration.fell_back")
                assert await again.stop() == 0, "the restarted node stops cleanly"
            assert done["status"] == "completed", (done["reason"], steps(done), steps(at_kill))
            assert sorted(s["identity"] for s in done["stations"]) == identities, "a record for every station"
            fell_back = specs[FALLS_BACK].identity
            states = {s["identity"]: s["state"] for s in done["stations"]}
            assert states == {i: "fell_back" if i == fell_back else "confirmed" for i in identities}, steps(done)
            # Its network settings were read (after the restart) to say why.
            (why,) = [s["reason"] for s in done["stations"] if s["identity"] == fell_back]
            assert "is first but the station could not connect to it" in why, why
            # A reset whose answer was lost is sent again only to a station that is here and has not
            # rebooted since (StillHere). The two late stations carry out the Reset they hold within a
            # second of the kill, and A takes longer than that to start again (its imports alone take
            # about a second), so no station is asked twice.
            resets = {s.identity: s.received_actions().count("Reset") for s in sims.stations}
            assert resets == dict.fromkeys(identities, 1), f"at the kill: {steps(at_kill)}"
            # Each booted once at A (power-up) and once after its one reset: at B, or back at A.
            a_url, b_url = specs[0].url, second.ws_url
            boots = {s.identity: tuple(url for url, _, _ in s.boots) for s in sims.stations}
            assert boots == {i: (a_url, a_url if i == fell_back else b_url) for i in identities}
            assert all(second.sy.link.is_connected(i) for i in identities if i != fell_back)
    # Resumed from their step, not from the start: one `started` each, and one end.
    assert sorted(e["envelope"]["data"]["identity"] for e in started) == identities
    assert sorted(e["envelope"]["data"]["identity"] for e in confirmed) == [i for i in identities if i != fell_back]
    assert [e["envelope"]["data"]["identity"] for e in fell] == [fell_back]
