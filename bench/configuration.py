"""The configuration benchmark: one key changed, with read-back, on 1,000 simulated stations.

    python -m bench.configuration            # 3 interleaved runs, writes the configuration section of RESULTS.md
    python -m bench.configuration --quick    # 200 stations, one run, prints only

Switchyard: every change is a `POST /v1.1/chargestations/{id}/configurations` (50 requests in flight),
then stored, sequenced, sent, read back and announced by webhook; the time is from the first request
until every action is terminal (polled through `GET /v1.1/actions`). Webhook deliveries (the
`requested` and `accepted` event of every change, to a receiver in this process) are counted from
the first request until the last delivery arrives.

Baseline, in the same run: the naive central system of `bench/baseline_server.py` (the `ocpp`
library) sends the same ChangeConfiguration and GetConfiguration read-back to every station at
once, storing nothing and announcing nothing: the floor the protocol itself sets. The ratio says
what durability, sequencing and the API cost on top of it.

Servers run pinned to CPU 0; the simulated fleet (`bench/sim_fleet.py`, default 1.6 firmware) and
this driver share CPU 1.
"""

import argparse
import asyncio
import contextlib
import json
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import uvloop

from bench.common import HOST, raise_nofile_limit
from bench.fleet_runs import close_fleet, provision_fleet, publish, read_event
from bench.processes import CLIENT_CPU, BenchError, Server, kill_all, pin, spawn, start_server, stop_server
from bench.provision import sqlite_url
from switchyard.clock import SystemClock
from switchyard.core.registry import Registry
from switchyard.domain import Scope
from switchyard.settings import Settings
from switchyard.store.database import Database
from switchyard.store.registry_store import DatabaseRegistryStore

DEFAULT_OUTPUT = Path(__file__).with_name("RESULTS.md")
# Not pinned by the recommended baseline (which is on by default), writable on the default firmware.
KEY, VALUE = "LightIntensity", "50"
IN_FLIGHT = 50
UPDATE = "chargestation.update_configuration"


async def _admin_key(template: Path) -> str:
    database = Database(sqlite_url(template))
    try:
        registry = Registry(DatabaseRegistryStore(database), SystemClock(), Settings().station_password_iterations)
        return (await registry.create_key_for("default", "bench", Scope.ADMIN)).token
    finally:
        await database.close()


@dataclass
class Receiver:
    """Counts webhook deliveries (HTTP/1.1 keep-alive, Content-Length bodies), answering 204."""

    arrived: list[tuple[float, str]] = field(default_factory=list)
    port: int = 0
    _server: asyncio.Server | None = None
    _more: asyncio.Event = field(default_factory=asyncio.Event)

    async def wait_for(self, count: int, timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while len(self.arrived) < count:
                self._more.clear()
                await self._more.wait()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, HOST, 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
                length = int(head.split("content-length:", 1)[1].split("\r\n", 1)[0])
                body = await reader.readexactly(length)
                self.arrived.append((time.perf_counter(), json.loads(body)["type"]))
                self._more.set()
                writer.write(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
                await writer.drain()
        writer.close()


async def _fleet(port: int, stations: int, state: Path) -> asyncio.subprocess.Process:
    fleet = await spawn(
        sys.executable,
        "-m",
        "bench.sim_fleet",
        "--port",
        str(port),
        "--stations",
        str(stations),
        "--state-dir",
        str(state),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    pin(fleet.pid, CLIENT_CPU, True)
    booted = await read_event(fleet, "booted", "failed")
    if booted["event"] == "failed":
        raise BenchError(f"simulator: {booted['reason']}")
    return fleet


async def _until_none(api: httpx.AsyncClient, params: dict[str, str], timeout: float) -> None:
    """Until no action matches `params` (polled every 20 ms)."""
    async with asyncio.timeout(timeout):
        while True:
            response = await api.get("/v1.1/actions", params={**params, "limit": "1"})
            response.raise_for_status()
            if not response.json()["result"]:
                return
            await asyncio.sleep(0.02)


async def _until_count(api: httpx.AsyncClient, params: dict[str, str], count: int, timeout: float) -> None:
    """Until at least `count` actions match `params`."""
    async with asyncio.timeout(timeout):
        while True:
            found = 0
            while True:
                response = await api.get("/v1.1/actions", params={**params, "limit": "1000", "offset": str(found)})
                page = response.json()["result"]
                found += len(page)
                if len(page) < 1000 or found >= count:
                    break
            if found >= count:
                return
            await asyncio.sleep(0.2)


async def switchyard_run(stations: int, workdir: Path, template: Path, key: str, run: int) -> dict[str, Any]:
    server = await start_server("switchyard", workdir, template, pinned=True)
    receiver = Receiver()
    fleet = None
    try:
        await receiver.start()
        headers = {"Authorization": f"Bearer {key}"}
        limits = httpx.Limits(max_connections=IN_FLIGHT)
        base = f"http://{HOST}:{server.api_port}"
        async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=60) as api:
            hook = {"url": f"http://{HOST}:{receiver.port}/hook", "events": [f"{UPDATE}.*"]}
            (await api.post("/v1.1/webhooks", json=hook)).raise_for_status()
            fleet = await _fleet(server.port, stations, workdir / f"state-sy-{run}")
            # Every boot queued a whole-configuration read; the measurement starts once they are done.
            ids = [s["_id"] for s in await _all_stations(api)]
            await _until_count(api, {"type": "chargestation.get_configuration", "status": "completed"}, len(ids), 300)
            cpu_before = server.cpu_seconds()
            started = time.perf_counter()
            queue = iter(ids)

            async def requester() -> None:
                for station_id in queue:
                    response = await api.post(
                        f"/v1.1/chargestations/{station_id}/configurations", json={"key": KEY, "value": VALUE}
                    )
                    response.raise_for_status()

            await asyncio.gather(*(requester() for _ in range(IN_FLIGHT)))
            requested = time.perf_counter() - started
            await _until_none(api, {"type": UPDATE, "status": "requested"}, 300)
            seconds = time.perf_counter() - started
            server_cpu = server.cpu_seconds() - cpu_before
            outcome = await api.get("/v1.1/actions", params={"type": UPDATE, "limit": "1000", "status": "completed"})
            completed = len(outcome.json()["result"])
            await receiver.wait_for(2 * len(ids), 120)
            delivered = len(receiver.arrived)
            webhook_seconds = receiver.arrived[-1][0] - started
        return {
            "seconds": seconds,
            "requests_seconds": requested,
            "completed": completed,
            "server_cpu": server_cpu,
            "deliveries": delivered,
            "webhook_seconds": webhook_seconds,
            "deliveries_per_s": delivered / webhook_seconds,
        }
    finally:
        await close_fleet(fleet)
        await receiver.stop()
        await stop_server(server)


async def _all_stations(api: httpx.AsyncClient) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while True:
        response = await api.get("/v1.1/chargestations", params={"limit": "1000", "offset": str(len(found))})
        page = response.json()["result"]
        found += page
        if len(page) < 1000:
            return found


async def baseline_run(stations: int, workdir: Path, template: Path, run: int) -> dict[str, Any]:
    server: Server = await start_server("baseline", workdir, template, pinned=True, interactive=True)
    fleet = None
    try:
        fleet = await _fleet(server.port, stations, workdir / f"state-base-{run}")
        await asyncio.sleep(1.0)  # the fleet's StatusNotifications after boot settle
        assert server.process.stdin is not None
        cpu_before = server.cpu_seconds()
        server.process.stdin.write(f"change {KEY} {VALUE}\n".encode())
        await server.process.stdin.drain()
        changed = await read_event(server.process, "changed")
        return {
            "seconds": changed["seconds"],
            "completed": changed["completed"],
            "server_cpu": server.cpu_seconds() - cpu_before,
        }
    finally:
        await close_fleet(fleet)
        await stop_server(server)


def markdown(
    ours: list[dict[str, Any]], baseline: list[dict[str, Any]], stations: int, command: str, started: datetime
) -> str:
    def med(results: list[dict[str, Any]], key: str) -> float:
        return statistics.median(r[key] for r in results)

    seconds, floor = med(ours, "seconds"), med(baseline, "seconds")
    goal = "met" if seconds <= 10 else "NOT met"
    stretch = "met" if seconds <= 3 else "not met"
    lines = [
        f"# Configuration benchmark: one key changed on {stations:,} simulated stations",
        "",
        f"`{command}` on {started:%Y-%m-%d %H:%M} UTC; same machine as above. `{KEY}={VALUE}` on every station of",
        f"a fleet of the default 1.6 firmware: one `POST .../configurations` per station ({IN_FLIGHT} in flight),",
        "each change stored before it is sent, sequenced, read back, and announced by two webhooks. Servers",
        "pinned to CPU 0; the fleet and the driver (API client, webhook receiver) on CPU 1. The baseline is",
        "the naive `ocpp`-library central system sending the same ChangeConfiguration and read-back to all",
        "stations at once, storing and announcing nothing (bench/configuration.py).",
        "",
        f"Medians of {len(ours)} interleaved runs: **{seconds:.2f} s** from the first request until all "
        f"{stations:,} actions were terminal (goal ≤ 10 s: {goal}; stretch ≤ 3 s: {stretch}); the baseline "
        f"took {floor:.2f} s, a ratio of **{seconds / floor:.1f}x**. Webhooks: "
        f"**{med(ours, 'deliveries_per_s'):,.0f} deliveries/s** ({med(ours, 'deliveries'):,.0f} per run, "
        "signed, each recorded with its attempt).",
        "",
        "| run | Switchyard s | requests answered s | completed | node CPU s | webhooks delivered | "
        "last webhook s | deliveries/s | baseline s | baseline completed | baseline CPU s | ratio |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for index, (mine, floor_run) in enumerate(zip(ours, baseline, strict=True), start=1):
        lines.append(
            f"| {index} | {mine['seconds']:.2f} | {mine['requests_seconds']:.2f} | {mine['completed']} | "
            f"{mine['server_cpu']:.2f} | {mine['deliveries']} | {mine['webhook_seconds']:.2f} | "
            f"{mine['deliveries_per_s']:,.0f} | {floor_run['seconds']:.2f} | {floor_run['completed']} | "
            f"{floor_run['server_cpu']:.2f} | {mine['seconds'] / floor_run['seconds']:.1f}x |"
        )
    return "\n".join(lines)


async def measure(stations: int, runs: int, workdir: Path, template: Path, key: str) -> tuple[list[Any], list[Any]]:
    ours, baseline = [], []
    for run in range(1, runs + 1):
        began = time.perf_counter()
        mine = await switchyard_run(stations, workdir, template, key, run)
        floor = await baseline_run(stations, workdir, template, run)
        print(
            f"  run {run}: Switchyard {mine['seconds']:.2f} s ({mine['completed']} completed, "
            f"{mine['deliveries_per_s']:,.0f} webhooks/s), baseline {floor['seconds']:.2f} s "
            f"({floor['completed']} completed)  ({time.perf_counter() - began:.0f} s)",
            flush=True,
        )
        ours.append(mine)
        baseline.append(floor)
    return ours, baseline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stations", type=int, default=None, help="1,000 (200 with --quick)")
    args = parser.parse_args()
    raise_nofile_limit()
    stations = args.stations or (200 if args.quick else 1000)
    runs = 1 if args.quick else args.runs
    command = " ".join(["python -m bench.configuration", *sys.argv[1:]])
    started = datetime.now(UTC)
    workdir = Path(tempfile.mkdtemp(prefix="switchyard-configbench-"))
    try:
        template = workdir / "template.db"
        provision_fleet(template, stations)
        key = uvloop.run(_admin_key(template))
        ours, baseline = uvloop.run(measure(stations, runs, workdir, template, key))
    finally:
        kill_all()
        with contextlib.suppress(OSError):
            shutil.rmtree(workdir)
    publish(markdown(ours, baseline, stations, command, started), DEFAULT_OUTPUT, "configuration", args.quick)


if __name__ == "__main__":
    main()
