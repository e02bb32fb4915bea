"""The simulator benchmark: 5,000 simulated stations connect and boot against one Switchyard process.

    python -m bench.simulator            # 3 runs, writes the simulator section of bench/RESULTS.md
    python -m bench.simulator --quick    # 500 stations, one run, prints only

The Switchyard node and the simulator run in their own processes (node on CPU 0, simulator on CPU 1),
so the time, CPU and memory of each are measured apart. Stations use the default 1.6 firmware
(edrv-reference-16), security profile 1, and passwords derived as `switchyard sim` derives them.
"""

import argparse
import asyncio
import contextlib
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from bench.common import raise_nofile_limit
from bench.fleet_runs import close_fleet, provision_fleet, publish, read_event
from bench.processes import CLIENT_CPU, BenchError, kill_all, pin, spawn, start_server, stop_server

DEFAULT_OUTPUT = Path(__file__).with_name("RESULTS.md")
MB = 1e6


async def one_run(stations: int, concurrency: int, workdir: Path, template: Path, run: int) -> dict[str, Any]:
    server = await start_server("switchyard", workdir, template, pinned=True)
    simulator = None
    try:
        await asyncio.sleep(1.0)
        server_before = server.rss()
        state = workdir / f"state-{run}"
        simulator = await spawn(
            sys.executable,
            "-m",
            "bench.sim_fleet",
            "--port",
            str(server.port),
            "--stations",
            str(stations),
            "--concurrency",
            str(concurrency),
            "--state-dir",
            str(state),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        pin(simulator.pid, CLIENT_CPU, True)
        sim_process = psutil.Process(simulator.pid)
        await read_event(simulator, "ready")
        sim_before = sim_process.memory_info().rss
        server_cpu = server.cpu_seconds()
        booted = await read_event(simulator, "booted", "failed")
        if booted["event"] == "failed":
            raise BenchError(f"simulator: {booted['reason']}\n{server.log_tail()}")
        server_cpu = server.cpu_seconds() - server_cpu
        await asyncio.sleep(2.0)
        return {
            "seconds": booted["seconds"],
            "booted": booted["booted"],
            "accepted": booted["accepted"],
            "server_cpu": server_cpu,
            "simulator_cpu": booted["cpu_seconds"],
            "server_before_mb": server_before / MB,
            "server_after_mb": server.rss() / MB,
            "simulator_before_mb": sim_before / MB,
            "simulator_after_mb": sim_process.memory_info().rss / MB,
        }
    finally:
        await close_fleet(simulator)
        await stop_server(server)


def markdown(results: list[dict[str, Any]], stations: int, command: str, started: datetime, provisioned: float) -> str:
    def med(key: str) -> float:
        return statistics.median(r[key] for r in results)

    columns = [
        ("connect+boot s", "seconds", ".2f"),
        ("booted", "booted", "d"),
        ("node CPU s", "server_cpu", ".2f"),
        ("simulator CPU s", "simulator_cpu", ".2f"),
        ("node RSS before MB", "server_before_mb", ".1f"),
        ("node RSS after MB", "server_after_mb", ".1f"),
        ("simulator RSS before MB", "simulator_before_mb", ".1f"),
        ("simulator RSS after MB", "simulator_after_mb", ".1f"),
    ]
    lines = [
        f"# Simulator benchmark: {stations:,} simulated stations against one Switchyard node",
        "",
        f"`{command}` on {started:%Y-%m-%d %H:%M} UTC; same machine as above. The node (`switchyard serve` defaults,",
        "SQLite) runs pinned to CPU 0 and the simulator (`bench/sim_fleet.py`: `SimulatedFleet` of the default 1.6",
        "firmware, security profile 1, 200 connections opened at once, a state folder per run) pinned to CPU 1.",
        f"The stations were registered beforehand ({provisioned:.1f} s, not timed).",
        "",
        f"Medians of {len(results)} runs: **{med('seconds'):.2f} s** until all {stations:,} stations were",
        f"connected and booted Accepted; node RSS {med('server_before_mb'):.0f} → {med('server_after_mb'):.0f} MB,",
        f"simulator RSS {med('simulator_before_mb'):.0f} → {med('simulator_after_mb'):.0f} MB "
        f"({(med('simulator_after_mb') - med('simulator_before_mb')) * MB / stations / 1024:.1f} KiB per simulated "
        "station once connected).",
        "",
        "| run | " + " | ".join(title for title, _, _ in columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for index, result in enumerate(results, start=1):
        lines.append(f"| {index} | " + " | ".join(format(result[key], spec) for _, key, spec in columns) + " |")
    lines.append("| median | " + " | ".join(format(med(key), spec) for _, key, spec in columns) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stations", type=int, default=5000)
    args = parser.parse_args()
    raise_nofile_limit()
    stations, runs = (500, 1) if args.quick else (args.stations, args.runs)
    command = " ".join(["python -m bench.simulator", *sys.argv[1:]])
    started = datetime.now(UTC)
    workdir = Path(tempfile.mkdtemp(prefix="switchyard-simbench-"))
    try:
        template = workdir / "template.db"
        provisioned = provision_fleet(template, stations)
        results = []
        for run in range(1, runs + 1):
            began = time.perf_counter()
            result = asyncio.run(one_run(stations, 200, workdir, template, run))
            print(
                f"  run {run}: {result['seconds']:.2f} s, node {result['server_after_mb']:.0f} MB, "
                f"simulator {result['simulator_after_mb']:.0f} MB  ({time.perf_counter() - began:.0f} s)",
                flush=True,
            )
            results.append(result)
    finally:
        kill_all()
        with contextlib.suppress(OSError):
            shutil.rmtree(workdir)
    publish(markdown(results, stations, command, started, provisioned), DEFAULT_OUTPUT, "simulator", args.quick)


if __name__ == "__main__":
    main()
