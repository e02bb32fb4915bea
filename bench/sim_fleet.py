"""The simulator side of the simulator and migration benchmarks: a fleet in one process.

    python -m bench.sim_fleet --port P --stations 5000 --concurrency 200 --state-dir DIR
    python -m bench.sim_fleet ... --mixed --reboot-seconds 2     # half 1.6, half 2.0.1 (migration)

Prints JSON events: `ready` (stations built, before any connection), `booted` (every station's
BootNotification answered), then waits for `close` on stdin and stops the fleet.
"""

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

import uvloop

from bench.common import HOST, PATH_PREFIX, raise_nofile_limit
from switchyard.sim.fleet import SimulatedFleet, fleet_specs
from switchyard.sim.profile import load_profile

PATTERN = "SIM-{n:05}"
SEED = "bench"
# A mixed fleet's stations take these firmwares in turn: odd numbers 1.6, even numbers 2.0.1.
MIXED = ("edrv-reference-16", "reference-201")


def emit(event: str, **values: Any) -> None:
    print(json.dumps({"event": event, **values}), flush=True)


async def run(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    profiles = [load_profile(name) for name in (MIXED if args.mixed else MIXED[:1])]
    specs = fleet_specs(
        args.stations,
        f"ws://{HOST}:{args.port}{PATH_PREFIX}",
        profiles if args.mixed else profiles[0],
        pattern=PATTERN,
        password_seed=SEED,
        state_dir=args.state_dir,
        reboot_seconds=args.reboot_seconds,
    )
    fleet = SimulatedFleet(specs, connect_concurrency=args.concurrency)
    emit("ready", build_seconds=time.perf_counter() - started)
    started, started_cpu = time.perf_counter(), time.process_time()
    fleet.start()
    try:
        await fleet.wait_booted(timeout=args.timeout)
        summary = fleet.summary()
        emit(
            "booted",
            seconds=time.perf_counter() - started,
            cpu_seconds=time.process_time() - started_cpu,
            booted=summary.booted,
            accepted=summary.accepted,
            messages=summary.messages,
        )
    except TimeoutError as exc:
        emit("failed", reason=str(exc), booted=fleet.summary().booted)
    reader = asyncio.StreamReader()
    await asyncio.get_running_loop().connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    await reader.readline()
    await fleet.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--stations", type=int, required=True)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--mixed", action="store_true", help="half 1.6, half 2.0.1 stations")
    parser.add_argument("--reboot-seconds", type=float, default=1.0, help="how long a reset keeps a station offline")
    args = parser.parse_args()
    raise_nofile_limit()
    uvloop.run(run(args))


if __name__ == "__main__":
    main()
