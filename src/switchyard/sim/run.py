"""`switchyard sim`: a fleet in the foreground with a live summary, stopped cleanly by Ctrl-C."""

import asyncio
import signal
import time
from dataclasses import dataclass

from rich.console import Console
from rich.live import Live
from rich.table import Table

from switchyard.sim.audit import AUDIT
from switchyard.sim.fleet import FleetSummary, SimulatedFleet
from switchyard.sim.register import register_stations
from switchyard.sim.spec import StationSpec


@dataclass(frozen=True)
class Registering:
    api_url: str
    api_key: str


def summary_table(summary: FleetSummary, elapsed: float) -> Table:
    table = Table(title=f"switchyard sim, {elapsed:,.0f} s")
    for column in ("stations", "connected", "booted", "accepted", "messages", "errors", "faulty", "frames checked"):
        table.add_column(column, justify="right")
    table.add_row(
        f"{summary.stations:,}",
        f"{summary.connected:,}",
        f"{summary.booted:,}",
        f"{summary.accepted:,}",
        f"{summary.messages:,}",
        f"{summary.errors + len(AUDIT.failures):,}",
        f"{summary.with_faults:,}",
        f"{AUDIT.checked:,}",
    )
    return table


async def run_fleet(
    specs: list[StationSpec],
    concurrency: int,
    registering: Registering | None,
    duration: float | None,
    console: Console,
) -> FleetSummary:
    if registering is not None:
        console.print(f"registering {len(specs):,} stations at {registering.api_url} ...")
        outcome = await register_stations(registering.api_url, registering.api_key, specs)
        console.print(f"  {outcome.created:,} created, {outcome.updated:,} updated, {len(outcome.failed):,} failed")
        for failure in outcome.failed[:10]:
            console.print(f"  {failure}", markup=False)
        if outcome.failed and not (outcome.created or outcome.updated):
            raise SystemExit("no station could be registered")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    started = time.monotonic()
    fleet = SimulatedFleet(specs, concurrency)
    try:
        async with fleet:
            with Live(summary_table(fleet.summary(), 0), console=console, refresh_per_second=4) as live:
                while not stop.is_set():
                    if duration is not None and time.monotonic() - started >= duration:
                        break
                    try:
                        async with asyncio.timeout(0.5):
                            await stop.wait()
                    except TimeoutError:
                        pass
                    live.update(summary_table(fleet.summary(), time.monotonic() - started))
            return fleet.summary()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
