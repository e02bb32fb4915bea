"""The migration benchmark: 1,000 simulated stations (half 1.6, half 2.0.1) move from node A to node B.

    python -m bench.migration            # 3 runs, writes the migration section of bench/RESULTS.md
    python -m bench.migration --quick    # 100 stations, one run, prints only

Nodes A and B are two `switchyard serve` processes on their own SQLite databases (copies of one
template in which every station and an admin key are registered), and the fleet runs in a third
process. The stations boot at A; one migration moves them all to B with peer confirmation (A asks B's
API for each station's boot after its reset), concurrency 100, a canary of 1 and one wave. Measured:
the time from the POST until every station is confirmed, and the CPU seconds of each process in that
time. The floor is the sum of the stations' reboot delays divided by the concurrency: what the
migration would take if nothing but the reboots cost time.
"""

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psutil
import uvloop

from bench.common import HOST, PATH_PREFIX, raise_nofile_limit
from bench.fleet_runs import close_fleet, publish, read_event
from bench.processes import BenchError, kill_all, spawn, start_server, stop_server
from bench.provision import sqlite_url
from bench.sim_fleet import MIXED, PATTERN, SEED
from switchyard.clock import SystemClock
from switchyard.core.principal import Principal
from switchyard.core.registry import Registry
from switchyard.domain import Scope
from switchyard.settings import Settings
from switchyard.sim.passwords import derived_password
from switchyard.store.database import Database
from switchyard.store.registry_store import DatabaseRegistryStore

DEFAULT_OUTPUT = Path(__file__).with_name("RESULTS.md")
VERSIONS = ("1.6", "2.0.1")
CONCURRENCY = 100
REBOOT_SECONDS = 2.0
FINISHED = ("completed", "stopped", "cancelled")


async def _provision(path: Path, stations: int) -> str:
    """Every station of the mixed fleet (1.6 and 2.0.1 in turn, as `bench.sim_fleet --mixed` builds it),
    with the password the simulator derives; returns the first admin API key."""
    settings = Settings(database_url=sqlite_url(path))
    database = Database(settings.database_url)
    try:
        await database.upgrade()
        registry = Registry(DatabaseRegistryStore(database), SystemClock(), settings.station_password_iterations)
        key = await registry.bootstrap()
        if key is None:
            raise BenchError("the template database already had an API key")
        operator = await registry.operators.ensure_operator("default")
        who = Principal(operator.id, key_id="bench", scope=Scope.ADMIN, platform=operator.platform)
        for index in range(stations):
            identity = PATTERN.format(n=index + 1)
            version = VERSIONS[index % len(MIXED)]
            await registry.stations.create_station(who, identity, version, 1, derived_password(SEED, identity, version))
        return key
    finally:
        await database.close()


async def one_run(stations: int, workdir: Path, template: Path, key: str, run: int) -> dict[str, Any]:
    node_a = await start_server("switchyard", workdir, template, pinned=False)
    node_b = await start_server("switchyard", workdir, template, pinned=False)
    fleet = None
    try:
        fleet = await spawn(
            sys.executable,
            "-m",
            "bench.sim_fleet",
            "--port",
            str(node_a.port),
            "--stations",
            str(stations),
            "--state-dir",
            str(workdir / f"state-{run}"),
            "--mixed",
            "--reboot-seconds",
            str(REBOOT_SECONDS),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        await read_event(fleet, "ready")
        booted = await read_event(fleet, "booted", "failed")
        if booted["event"] != "booted":
            raise BenchError(f"the fleet did not boot: {booted}")
        sim = psutil.Process(fleet.pid)
        await _quiet([node_a.ps, node_b.ps])
        body = {
            "targetUrl": f"ws://{HOST}:{node_b.port}{PATH_PREFIX}",
            "stations": [PATTERN.format(n=index + 1) for index in range(stations)],
            "securityProfile": 1,
            "confirmation": {"mode": "peer", "apiUrl": f"http://{HOST}:{node_b.api_port}", "apiKey": key},
            "waves": {"canary": 1, "size": stations, "concurrency": CONCURRENCY, "maxFailureRate": 0.05},
        }
        cpu_a, cpu_b, cpu_sim = node_a.cpu_seconds(), node_b.cpu_seconds(), _cpu(sim)
        async with httpx.AsyncClient(
            base_url=f"http://{HOST}:{node_a.api_port}", headers={"Authorization": f"Bearer {key}"}, timeout=60
        ) as api:
            started = time.perf_counter()
            created = await api.post("/v1.1/migrations", json=body)
            if created.status_code != 201:
                raise BenchError(f"the migration was refused: {created.text[:500]}")
            job = await _wait(api, created.json()["result"]["_id"], timeout=600)
            seconds = time.perf_counter() - started
        counts = job["counts"]
        if counts.get("confirmed", 0) != stations:
            reasons = {s["reason"] for s in job["stations"] if s["state"] != "confirmed"}
            raise BenchError(f"not every station was confirmed: {counts}; {sorted(map(str, reasons))[:5]}")
        return {
            "seconds": seconds,
            "confirmed": counts.get("confirmed", 0),
            "counts": counts,
            "status": job["status"],
            "cpu_a": node_a.cpu_seconds() - cpu_a,
            "cpu_b": node_b.cpu_seconds() - cpu_b,
            "cpu_sim": _cpu(sim) - cpu_sim,
        }
    finally:
        await close_fleet(fleet)
        await stop_server(node_a)
        await stop_server(node_b)


async def _wait(api: httpx.AsyncClient, job_id: str, timeout: float) -> dict[str, Any]:
    """The finished job. Polled through the list (status and counts per state, one cheap query) so
    that watching costs node A little; the whole job, with every station, is read once at the end."""
    give_up = time.perf_counter() + timeout
    while time.perf_counter() < give_up:
        listed = (await api.get("/v1.1/migrations", params={"limit": 1})).json()["result"]
        if listed and listed[0]["_id"] == job_id and listed[0]["status"] in FINISHED:
            job: dict[str, Any] = (await api.get(f"/v1.1/migrations/{job_id}")).json()["result"]
            return job
        await asyncio.sleep(0.5)
    raise BenchError(f"the migration did not finish within {timeout:.0f} s")


async def _quiet(processes: list[psutil.Process], timeout: float = 120.0) -> None:
    """Until no process spends more than 5% of a core: every station's boot read is done at node A,
    so the migration is measured alone."""
    give_up = time.perf_counter() + timeout
    while time.perf_counter() < give_up:
        before = [_cpu(p) for p in processes]
        await asyncio.sleep(1.0)
        if all(_cpu(p) - b < 0.05 for p, b in zip(processes, before, strict=True)):
            return
    raise BenchError("the nodes did not go quiet after the fleet booted")


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


def report(runs: list[dict[str, Any]], stations: int) -> str:
    def median(name: str) -> float:
        return float(statistics.median(run[name] for run in runs))

    def each(name: str) -> str:
        return ", ".join(f"{run[name]:.1f}" for run in runs)

    floor = stations * REBOOT_SECONDS / CONCURRENCY
    counts = ", ".join(str(run["counts"]) for run in runs)
    lines = [
        "# Migration benchmark",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d} with `python -m bench.migration` on {psutil.cpu_count()} cores: "
        f"{stations} simulated stations (half OCPP 1.6 on the seed 000 keys, half 2.0.1 with SetNetworkProfile) "
        f"move from node A to node B, confirmed by B (peer mode), concurrency {CONCURRENCY}, canary 1, "
        f"one wave. Each simulated reboot keeps a station offline {REBOOT_SECONDS:g} s. Nodes and fleet are "
        "separate processes, not pinned.",
        "",
        "| | median | runs |",
        "|---|---|---|",
        f"| all confirmed, seconds | {median('seconds'):.1f} | {each('seconds')} |",
        f"| floor (reboot delays / concurrency), seconds | {floor:.1f} | |",
        f"| time / floor | {median('seconds') / floor:.2f}× | |",
        f"| node A CPU seconds | {median('cpu_a'):.1f} | {each('cpu_a')} |",
        f"| node B CPU seconds | {median('cpu_b'):.1f} | {each('cpu_b')} |",
        f"| simulator CPU seconds | {median('cpu_sim'):.1f} | {each('cpu_sim')} |",
        f"| confirmed | {min(run['confirmed'] for run in runs)} of {stations} | {counts} |",
        "",
        "Goal ≤ 60 s, stretch ≤ 30 s (issue 10).",
    ]
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="sy-bench-migration-"))
    try:
        template = workdir / "template.db"
        print(f"registering {args.stations} stations ...", flush=True)
        key = await _provision(template, args.stations)
        runs = []
        for run in range(args.runs):
            result = await one_run(args.stations, workdir, template, key, run)
            print(f"run {run + 1}: {result}", flush=True)
            runs.append(result)
        publish(report(runs, args.stations), args.output, "migration", args.quick)
    finally:
        kill_all()
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stations", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="100 stations, one run, print only")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args()
    if args.quick:
        args.stations, args.runs = 100, 1
    raise_nofile_limit()
    uvloop.run(main_async(args))


if __name__ == "__main__":
    main()
