"""What the benchmarks that drive a simulated fleet share: registering it, its JSON events, closing it."""

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any

from bench.processes import BenchError
from bench.provision import provision
from bench.sections import write_section
from bench.sim_fleet import PATTERN, SEED
from switchyard.sim.passwords import derived_password


def provision_fleet(template: Path, stations: int) -> float:
    """Register the fleet's stations (as `bench.sim_fleet` names them) in a new database; seconds taken."""
    print(f"registering {stations} stations ...", flush=True)
    return provision(
        template,
        stations,
        name=lambda index: PATTERN.format(n=index + 1),
        secret=lambda identity: derived_password(SEED, identity, "1.6"),
    )


async def read_event(process: asyncio.subprocess.Process, *names: str, timeout: float = 300.0) -> dict[str, Any]:
    """The next JSON line on the process's stdout whose `event` is one of `names` (other lines are skipped)."""
    assert process.stdout is not None
    async with asyncio.timeout(timeout):
        while True:
            line = await process.stdout.readline()
            if not line:
                raise BenchError(f"the process exited before {names}")
            with contextlib.suppress(json.JSONDecodeError):
                event = json.loads(line)
                if isinstance(event, dict) and event.get("event") in names:
                    return event


async def close_fleet(fleet: asyncio.subprocess.Process | None) -> None:
    """Ask `bench.sim_fleet` to stop its stations and exit; kill it if it does not within a minute."""
    if fleet is None or fleet.returncode is not None:
        return
    assert fleet.stdin is not None
    with contextlib.suppress(ConnectionError):
        fleet.stdin.write(b"close\n")
        await fleet.stdin.drain()
    try:
        await asyncio.wait_for(fleet.wait(), 60)
    except TimeoutError:
        fleet.kill()
        await fleet.wait()


def publish(text: str, output: Path, section: str, quick: bool) -> None:
    """Print the results; write them into their section of RESULTS.md unless it was a quick run."""
    print()
    print(text)
    if not quick:
        write_section(output, section, text)
        print(f"\nwrote {output}")
