"""Many simulated stations in one process: built from a pattern, connected with bounded concurrency."""

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from switchyard.sim.audit import AUDIT, FrameAudit
from switchyard.sim.faults import NO_FAULTS, Faults
from switchyard.sim.passwords import derived_password
from switchyard.sim.profile import FirmwareProfile
from switchyard.sim.spec import StationSpec
from switchyard.sim.station import SimulatedStation

# Simulated stations only: `switchyard sim --register` gives Switchyard the same derived passwords.
DEFAULT_PASSWORD_SEED = "switchyard"  # noqa: S105


@dataclass(frozen=True)
class FleetSummary:
    stations: int
    connected: int
    booted: int
    accepted: int
    messages: int
    errors: int
    with_faults: int


def identities(pattern: str, count: int, first: int = 1) -> list[str]:
    """`SIM-{n:05}` -> SIM-00001, SIM-00002, ..."""
    return [pattern.format(n=n) for n in range(first, first + count)]


def fleet_specs(
    count: int,
    url: str,
    profile: FirmwareProfile | Sequence[FirmwareProfile],
    pattern: str = "SIM-{n:05}",
    password_seed: str | None = DEFAULT_PASSWORD_SEED,
    passwords: dict[str, str] | None = None,
    security_profile: int = 1,
    faults: Faults = NO_FAULTS,
    fault_seed: int = 0,
    state_dir: Path | None = None,
    **options: Any,
) -> list[StationSpec]:
    """Specs for `count` stations; several profiles are taken in turn (a 1.6 and a 2.0.1 one: half each).

    `options` are StationSpec fields every station gets, e.g. reboot_seconds=30.
    """
    firmwares = [profile] if isinstance(profile, FirmwareProfile) else list(profile)
    if not firmwares:
        raise ValueError("a fleet needs at least one firmware profile")
    specs = []
    for index, identity in enumerate(identities(pattern, count)):
        # In turn rather than in halves: any first n stations, and any fault fraction, mix the versions.
        firmware = firmwares[index % len(firmwares)]
        password = (passwords or {}).get(identity)
        if password is None and password_seed is not None and security_profile in (1, 2):
            password = derived_password(password_seed, identity, firmware.ocpp)
        station_faults = faults if faults.any and faults.applies_to(index, fault_seed) else NO_FAULTS
        specs.append(
            StationSpec(
                identity=identity,
                url=url,
                profile=firmware,
                password=password,
                security_profile=security_profile,
                faults=station_faults,
                state_dir=state_dir,
                **options,
            )
        )
    return specs


class SimulatedFleet:
    def __init__(self, specs: list[StationSpec], connect_concurrency: int = 100, audit: FrameAudit = AUDIT) -> None:
        self.stations = [SimulatedStation(spec, audit) for spec in specs]
        self._gate = asyncio.Semaphore(connect_concurrency)
        for station in self.stations:
            station.connect_gate = self._gate

    async def __aenter__(self) -> "SimulatedFleet":
        self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    def start(self) -> None:
        for station in self.stations:
            station.start()

    async def stop(self) -> None:
        await asyncio.gather(*(station.stop() for station in self.stations), return_exceptions=True)

    def __getitem__(self, identity: str) -> SimulatedStation:
        for station in self.stations:
            if station.identity == identity:
                return station
        raise KeyError(identity)

    async def wait_booted(self, timeout: float = 60.0, count: int | None = None) -> None:
        wanted = len(self.stations) if count is None else count
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                while sum(s.booted.is_set() for s in self.stations) < wanted:  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
        booted = sum(s.booted.is_set() for s in self.stations)
        if booted < wanted:
            raise TimeoutError(f"{booted} of {wanted} stations booted within {timeout:g} s")

    def summary(self) -> FleetSummary:
        stations = self.stations
        return FleetSummary(
            stations=len(stations),
            connected=sum(s.connected.is_set() for s in stations),
            booted=sum(s.booted.is_set() for s in stations),
            accepted=sum(s.boot_status == "Accepted" for s in stations),
            messages=sum(s.messages for s in stations),
            errors=sum(s.errors for s in stations),
            with_faults=sum(s.spec.faults.any for s in stations),
        )
