"""The gateway benchmark driver: Switchyard against the `ocpp`-library baseline, interleaved, with medians.

    python -m bench.gateway            # full run (~10 minutes), writes bench/RESULTS.md
    python -m bench.gateway --quick    # smaller counts, one run, under a minute, prints only

Every server and the load client run in child processes (server on CPU 0, client on CPU 1 when the
machine has two); each measurement starts a fresh server and stops it afterwards.
"""

import argparse
import asyncio
import contextlib
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import report
from bench.common import password, raise_nofile_limit
from bench.processes import (
    BenchError,
    Client,
    Server,
    busy_seconds,
    kill_all,
    listen_overflows,
    start_server,
    stop_server,
)
from bench.provision import passwords_file, provision
from bench.sections import write_section

BASELINE = "baseline"
SWITCHYARD = "switchyard"
DEFAULT_OUTPUT = Path(__file__).with_name("RESULTS.md")


@dataclass(frozen=True)
class Plan:
    runs: int = 3
    heartbeat_stations: int = 100
    heartbeat_warmup: float = 1.0
    heartbeat_duration: float = 5.0
    memory_stations: int = 2000
    connect_stations: int = 5000
    idle_stations: int = 15000
    # Heartbeat latency of good stations, quiet and while as many hostile ones fuzz (Switchyard only).
    hostile_stations: int = 20
    hostile_window: float = 10.0
    concurrency: int = 200
    # Seconds the server rests before the "before" RSS, and after the stations booted before the "after" RSS.
    settle: float = 1.0
    idle_settle: float = 2.0
    # Before each measurement, wait (at most quiet_wait s) until other processes use under quiet_load cores.
    quiet_load: float = 0.25
    quiet_wait: float = 30.0
    # Upper bound for any one client session (connect, boot, measure, close).
    client_deadline: float = 300.0
    pinned: bool = True

    @classmethod
    def quick(cls, pinned: bool = True) -> "Plan":
        return cls(
            runs=1,
            heartbeat_warmup=0.5,
            heartbeat_duration=2.0,
            memory_stations=500,
            connect_stations=1000,
            idle_stations=2000,
            idle_settle=1.0,
            hostile_window=3.0,
            quiet_wait=5.0,
            client_deadline=60.0,
            pinned=pinned,
        )


Measurement = Callable[[str, "Bench"], Awaitable[dict[str, Any]]]


class Window:
    """CPU used by the server, the load client and everything else over a timed stretch."""

    def __init__(self, server: Server, client: Client | None = None) -> None:
        self.server, self.client = server, client
        self.wall, self.busy, self.overflows = time.perf_counter(), busy_seconds(), listen_overflows()
        self.server_cpu = server.cpu_seconds()
        self.client_cpu = client.cpu_seconds() if client is not None else 0.0

    def close(self, client: Client | None = None) -> dict[str, Any]:
        client = client or self.client
        wall = time.perf_counter() - self.wall
        server_cpu = self.server.cpu_seconds() - self.server_cpu
        client_cpu = (client.cpu_seconds() if client is not None else 0.0) - self.client_cpu
        other = busy_seconds() - self.busy - server_cpu - client_cpu
        return {
            "server_cpu": server_cpu / wall,
            "client_cpu": client_cpu / wall,
            "other_cpu": max(other, 0.0) / wall,
            "listen_overflows": listen_overflows() - self.overflows,
        }


async def quiet(server: Server, plan: Plan) -> float:
    """Wait until other processes leave the machine (nearly) idle; returns the seconds waited beyond one."""
    started = time.perf_counter()
    while True:
        busy, own = busy_seconds(), server.cpu_seconds()
        await asyncio.sleep(1.0)
        other = busy_seconds() - busy - (server.cpu_seconds() - own)
        waited = time.perf_counter() - started - 1.0
        if other < plan.quiet_load or waited >= plan.quiet_wait:
            return waited


@dataclass(frozen=True)
class Templates:
    """Databases every server starts from a copy of: `generated` has every station the plan needs, with
    passwords Switchyard generated (in `passwords_file(generated)`); `chosen` has the connect measurement's
    stations with chosen (derived, `bench.common.password`) ones, which the node stretches (ADR 0008)."""

    generated: Path
    chosen: Path


class Bench:
    def __init__(self, plan: Plan, workdir: Path, templates: Templates) -> None:
        self.plan = plan
        self.workdir = workdir
        self.templates = templates

    @property
    def passwords(self) -> str:
        return str(passwords_file(self.templates.generated))

    async def server(
        self, kind: str, settings: dict[str, str] | None = None, template: Path | None = None
    ) -> tuple[Server, float]:
        """A fresh server, settled, on a quiet machine; and the seconds spent waiting for quiet."""
        database = template or self.templates.generated
        server = await start_server(kind, self.workdir, database, self.plan.pinned, settings=settings)
        try:
            await asyncio.sleep(max(self.plan.settle - 1.0, 0.0))
            waited = await quiet(server, self.plan)
        except BaseException:
            await stop_server(server)
            raise
        return server, waited

    async def client(self, mode: str, port: int, stations: int, **options: Any) -> Client:
        return await Client.start(
            mode,
            port,
            self.plan.pinned,
            self.plan.client_deadline,
            stations=stations,
            concurrency=self.plan.concurrency,
            **{"passwords": self.passwords, **options},
        )


def check_booted(event: dict[str, Any], expected: int, server: Server) -> None:
    if event["booted"] != expected or event["failed"]:
        samples = "; ".join(event.get("failure_samples", []))
        raise BenchError(
            f"{server.kind}: {event['booted']} of {expected} stations booted ({event['failed']} failed: {samples})"
            f"\n{server.log_tail()}"
        )


# Each heartbeat station sends about 1,000 round trips a second, 20,000 times what a real station does:
# the per-station flow budget (50 messages/s) is lifted for this measurement only. Its cost per
# message is still paid; the hostile measurement runs with the default budget.
UNTHROTTLED = {"SWITCHYARD_STATION_MESSAGE_RATE": "1e9", "SWITCHYARD_STATION_MESSAGE_BURST": "1000000000"}


async def heartbeat(kind: str, bench: Bench) -> dict[str, Any]:
    plan = bench.plan
    server, waited = await bench.server(kind, UNTHROTTLED)
    client = None
    try:
        client = await bench.client(
            "heartbeat",
            server.port,
            plan.heartbeat_stations,
            warmup=plan.heartbeat_warmup,
            duration=plan.heartbeat_duration,
            # Switchyard reads each station's configuration after its boot; the window starts after those.
            boot_calls=1 if kind == "switchyard" else 0,
        )
        check_booted(await client.event("booted"), plan.heartbeat_stations, server)
        if kind == "switchyard":
            await client.event("calls-settled")
        await client.event("window-start")
        window = Window(server, client)
        await client.event("window-end")
        usage = window.close()
        result = await client.event("result")
        if result["errors"] or result["disconnected"]:
            raise BenchError(f"{kind}: {result['errors']} error answers, {result['disconnected']} disconnects")
        return {"rate": result["rate"], "round_trips": result["round_trips"], **usage, "quiet_wait": waited}
    finally:
        if client is not None:
            await client.close()
        await stop_server(server)


async def hold(kind: str, bench: Bench, stations: int, chosen: bool = False) -> dict[str, Any]:
    """Connect and boot `stations`, let them idle, and measure time and server memory. `chosen`: the
    stations have chosen passwords (stretched), not generated ones."""
    server, waited = await bench.server(kind, template=bench.templates.chosen if chosen else None)
    client = None
    try:
        before = server.rss()
        window = Window(server)
        # An empty passwords option: the client derives each password as the chosen template's were.
        secrets = {"passwords": ""} if chosen else {}
        client = await bench.client("hold", server.port, stations, hold=bench.plan.client_deadline, **secrets)
        booted = await client.event("booted")
        usage = window.close(client)
        check_booted(booted, stations, server)
        await asyncio.sleep(bench.plan.idle_settle)
        after = server.rss()
        if not server.alive():
            raise BenchError(f"{kind} server died:\n{server.log_tail()}")
        return {
            "seconds": booted["seconds"],
            "rss_before": before,
            "rss_after": after,
            "per_station": (after - before) / stations,
            **usage,
            "quiet_wait": waited,
        }
    finally:
        if client is not None:
            await client.close()
        await stop_server(server)


async def memory(kind: str, bench: Bench) -> dict[str, Any]:
    return await hold(kind, bench, bench.plan.memory_stations)


async def connect(kind: str, bench: Bench) -> dict[str, Any]:
    return await hold(kind, bench, bench.plan.connect_stations)


async def connect_chosen(kind: str, bench: Bench) -> dict[str, Any]:
    return await hold(kind, bench, bench.plan.connect_stations, chosen=True)


async def idle(kind: str, bench: Bench) -> dict[str, Any]:
    return await hold(kind, bench, bench.plan.idle_stations)


async def hostile(kind: str, bench: Bench) -> dict[str, Any]:
    """Heartbeat latency of good stations over a window, then over the same window while as many
    hostile stations send the corpus of switchyard.sim.hostile; both clients on the client CPU."""
    plan = bench.plan
    server, waited = await bench.server(kind)
    good = fuzz = None
    try:
        good = await Client.start(
            "good",
            server.port,
            plan.pinned,
            plan.client_deadline,
            "bench.hostile_client",
            stations=plan.hostile_stations,
            first=0,
            passwords=bench.passwords,
        )
        await good.event("booted")
        await good.send(f"measure {plan.hostile_window}")
        quiet = await good.event("result")
        fuzz = await Client.start(
            "fuzz",
            server.port,
            plan.pinned,
            plan.client_deadline,
            "bench.hostile_client",
            stations=plan.hostile_stations,
            first=plan.hostile_stations,
            passwords=bench.passwords,
        )
        await fuzz.event("booted")
        window = Window(server, good)
        await good.send(f"measure {plan.hostile_window}")
        under = await good.event("result")
        usage = window.close()
        await fuzz.send("close")
        attack = await fuzz.event("result")
        if quiet["errors"] or under["errors"]:
            raise BenchError(f"{kind}: good stations got {quiet['errors'] + under['errors']} errors or disconnects")
        return {
            **{f"quiet_{k}": v for k, v in quiet.items() if k != "event"},
            **{f"fuzz_{k}": v for k, v in under.items() if k != "event"},
            "probes_answered": attack["probes_answered"],
            "hostile_reconnects": attack["reconnects"],
            "p99_ratio": under["p99_ms"] / quiet["p99_ms"] if quiet["p99_ms"] else None,
            **usage,
            "quiet_wait": waited,
        }
    finally:
        for client in (fuzz, good):
            if client is not None:
                await client.close()
        await stop_server(server)


MEASUREMENTS: dict[str, Measurement] = {"heartbeat": heartbeat, "memory": memory, "connect": connect}
SWITCHYARD_ONLY: dict[str, Measurement] = {"idle": idle, "hostile": hostile, "connect-chosen": connect_chosen}


async def attempt(name: str, kind: str, run: int, measure: Measurement, bench: Bench) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        values = await measure(kind, bench)
    except (BenchError, TimeoutError, OSError) as exc:
        message = str(exc) or type(exc).__name__
        print(f"  run {run} {name:9} {kind:10} FAILED: {message}", flush=True)
        return {"error": message.splitlines()[0]}
    print(f"  run {run} {name:9} {kind:10} {report.brief(name, values)}  ({time.perf_counter() - started:.0f} s)")
    return values


def prepare(plan: Plan, workdir: Path) -> tuple[Templates, float]:
    """The template databases; each server gets a fresh copy of one. Returns the generated one's seconds."""
    templates = Templates(workdir / "template.db", workdir / "template-chosen.db")
    stations = max(
        plan.heartbeat_stations,
        plan.memory_stations,
        plan.connect_stations,
        plan.idle_stations,
        2 * plan.hostile_stations,
    )
    print(f"registering {stations} stations in a fresh Switchyard database ...", flush=True)
    seconds = provision(templates.generated, stations)
    print(f"  done in {seconds:.1f} s; and {plan.connect_stations} with chosen passwords ...", flush=True)
    print(f"  done in {provision(templates.chosen, plan.connect_stations, secret=password):.1f} s", flush=True)
    return templates, seconds


async def run_all(plan: Plan, workdir: Path, templates: Templates, only: set[str] | None = None) -> dict[str, Any]:
    bench = Bench(plan, workdir, templates)
    raw: dict[str, Any] = {name: {BASELINE: [], SWITCHYARD: []} for name in (*MEASUREMENTS, *SWITCHYARD_ONLY)}
    for run in range(1, plan.runs + 1):
        # Alternate which server goes first, so neither always runs on a "fresh" machine.
        order = (BASELINE, SWITCHYARD) if run % 2 else (SWITCHYARD, BASELINE)
        for name, measure in MEASUREMENTS.items():
            for kind in order if only is None or name in only else ():
                raw[name][kind].append(await attempt(name, kind, run, measure, bench))
        for name, measure in SWITCHYARD_ONLY.items():
            if only is None or name in only:
                raw[name][SWITCHYARD].append(await attempt(name, SWITCHYARD, run, measure, bench))
    return raw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small counts and one run (under a minute)")
    parser.add_argument("--runs", type=int, help="interleaved runs (default 3, quick 1)")
    parser.add_argument("--output", type=Path, help="report file (default: bench/RESULTS.md; with --quick: none)")
    parser.add_argument("--no-pin", action="store_true", help="do not pin the server and the client to CPUs 0 and 1")
    parser.add_argument(
        "--only",
        action="append",
        choices=[*MEASUREMENTS, *SWITCHYARD_ONLY],
        help="take only this measurement (repeatable; prints only, writes no report)",
    )
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    raise_nofile_limit()
    plan = Plan.quick(not args.no_pin) if args.quick else Plan(pinned=not args.no_pin)
    if args.runs:
        plan = Plan(**{**plan.__dict__, "runs": args.runs})
    output = args.output if args.output or args.quick or args.only else DEFAULT_OUTPUT
    command = " ".join(["python -m bench.gateway", *sys.argv[1:]])
    started = datetime.now(UTC)
    clock = time.perf_counter()

    workdir = Path(tempfile.mkdtemp(prefix="switchyard-bench-"))
    try:
        templates, provision_seconds = prepare(plan, workdir)
        raw = asyncio.run(run_all(plan, workdir, templates, set(args.only) if args.only else None))
    finally:
        kill_all()
        with contextlib.suppress(OSError):
            shutil.rmtree(workdir)
    summary = report.Summary(
        command=command,
        started=started,
        elapsed=time.perf_counter() - clock,
        plan=plan.__dict__,
        nofile=(soft, hard),
        provision_seconds=provision_seconds,
        raw=raw,
    )
    print()
    if not args.only:
        print(report.table(summary))
    if output is not None:
        write_section(output, "gateway", report.markdown(summary))
        print(f"\nwrote {output}")


if __name__ == "__main__":
    main()
