"""`switchyard sim`: a fleet of simulated stations in this process, against any CSMS."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from switchyard import logs
from switchyard.cli.in_process import run
from switchyard.cli.output import fail, out, say
from switchyard.errors import DomainError

if TYPE_CHECKING:
    from switchyard.sim.profile import FirmwareProfile
    from switchyard.sim.run import Registering
    from switchyard.sim.spec import StationSpec

ProfileNames = Annotated[
    list[str] | None,
    typer.Option(
        metavar="PROFILE",
        help="Firmware profile: a built-in name or a YAML file (default per version); once per version of --ocpp",
    ),
]
Versions = Annotated[
    str, typer.Option(help="1.6 or 2.0.1, or a mixed fleet: 1.6,2.0.1 (stations take the versions in turn)")
]
StateDir = Annotated[
    Path | None,
    typer.Option(help="Where configurations survive restarts (default: this fleet's folder in ~/.local/state)"),
]
REFERENCE_PROFILES = {"1.6": "edrv-reference-16", "2.0.1": "reference-201"}
RegisterApiUrl = Annotated[str, typer.Option(envvar="SWITCHYARD_API_URL", help="Switchyard API for --register")]
RegisterApiKey = Annotated[str | None, typer.Option(envvar="SWITCHYARD_API_KEY", help="API key for --register")]


def sim(
    stations: Annotated[int, typer.Option(min=1, help="How many stations")] = 1,
    ocpp: Versions = "1.6",
    url: Annotated[str, typer.Option(help="CSMS URL without the identity")] = "ws://127.0.0.1:9000/ocpp",
    identity: Annotated[str, typer.Option(help="Identity pattern; {n} is the station's number")] = "SIM-{n:05}",
    profile: ProfileNames = None,
    faults: Annotated[str, typer.Option(help="e.g. drop=0.5,slow=2,ignore=Reset,sticky,fallback,fraction=0.1")] = "",
    fault_seed: Annotated[int, typer.Option(help="Which stations get the faults, with fraction=")] = 0,
    security_profile: Annotated[int, typer.Option(min=1, max=3, help="1, 2 or 3")] = 1,
    password_seed: Annotated[str, typer.Option(help="Passwords are derived from this and the identity")] = "switchyard",  # noqa: S107 - simulated stations only
    passwords: Annotated[Path | None, typer.Option(help="identity,password lines or a JSON object instead")] = None,
    ca_file: Annotated[Path | None, typer.Option(help="CA of the CSMS certificate (wss://)")] = None,
    client_cert: Annotated[Path | None, typer.Option(help="Station certificate (profile 3)")] = None,
    client_key: Annotated[Path | None, typer.Option(help="Station private key (profile 3)")] = None,
    state_dir: StateDir = None,
    reboot_seconds: Annotated[float, typer.Option(min=0, help="Seconds a reset keeps a station offline")] = 1.0,
    concurrency: Annotated[int, typer.Option(min=1, help="Connections opened at once")] = 100,
    register: Annotated[bool, typer.Option(help="Create the stations in Switchyard through its API first")] = False,
    api_url: RegisterApiUrl = "http://127.0.0.1:8000",
    api_key: RegisterApiKey = None,
    duration: Annotated[float | None, typer.Option(help="Stop after this many seconds")] = None,
) -> None:
    """Run simulated charging stations against a CSMS, with a live summary; Ctrl-C stops them."""
    from switchyard.sim.faults import parse_faults
    from switchyard.sim.fleet import fleet_specs
    from switchyard.sim.passwords import passwords_from_file
    from switchyard.sim.run import Registering
    from switchyard.sim.state_dir import default_state_dir

    if register and not api_key:
        raise fail("--register needs --api-key (or SWITCHYARD_API_KEY)")
    with _refusals_in_one_line():
        firmwares = _firmwares(profile or [], ocpp)
        state_dir = state_dir or default_state_dir(url, firmwares, identity)
        specs = fleet_specs(
            stations,
            url,
            firmwares,
            pattern=identity,
            password_seed=password_seed,
            passwords=passwords_from_file(passwords) if passwords else None,
            security_profile=security_profile,
            faults=parse_faults(faults),
            fault_seed=fault_seed,
            state_dir=state_dir,
            ca_file=ca_file,
            client_cert=client_cert,
            client_key=client_key,
            reboot_seconds=reboot_seconds,
        )
    registering = Registering(api_url, api_key) if register and api_key else None
    _run_fleet(specs, state_dir, concurrency, registering, duration)


@contextmanager
def _refusals_in_one_line() -> Iterator[None]:
    """A profile, fault list, password file or option the fleet cannot be built from: one line, exit 1."""
    from switchyard.sim.profile import ProfileError

    try:
        yield
    except (ProfileError, KeyError, IndexError, ValueError) as exc:
        raise fail(str(exc)) from None
    except DomainError as exc:
        raise fail(exc.message) from None


def _firmwares(names: list[str], ocpp: str) -> "list[FirmwareProfile]":
    """One firmware profile per version of `ocpp`, in its order: the one named for it, or its reference one."""
    from switchyard.sim.profile import load_profile

    versions = [version.strip() for version in ocpp.split(",")]
    for version in versions:
        if version not in ("1.6", "2.0.1"):
            raise fail(f"--ocpp must be 1.6 or 2.0.1 (or both: 1.6,2.0.1), not {ocpp!r}")
    named: dict[str, FirmwareProfile] = {}
    for name in names:
        firmware = load_profile(name)
        if firmware.ocpp not in versions:
            raise fail(
                f"profile {firmware.name} is for OCPP {firmware.ocpp}, not {' or '.join(dict.fromkeys(versions))}"
            )
        if firmware.ocpp in named:
            raise fail(f"two profiles for OCPP {firmware.ocpp}: {named[firmware.ocpp].name} and {firmware.name}")
        named[firmware.ocpp] = firmware
    for version in versions:
        if version not in named:
            named[version] = load_profile(REFERENCE_PROFILES[version])
    return [named[version] for version in versions]


def _run_fleet(
    specs: "list[StationSpec]",
    state_dir: Path,
    concurrency: int,
    registering: "Registering | None",
    duration: float | None,
) -> None:
    """Run the fleet until Ctrl-C or `duration`, holding `state_dir` so no other fleet shares it."""
    from switchyard.sim.run import run_fleet
    from switchyard.sim.state_dir import StateDirInUse, claimed

    # Per-station retries are DEBUG lines; unconfigured, structlog printed them through the live table.
    # Only now: a refused option leaves the process's logging as it was.
    logs.configure("warning")
    try:
        with claimed(state_dir):
            say(f"station state: {state_dir}")
            summary = run(run_fleet(specs, concurrency, registering, duration, out), os_error="simulator")
    except StateDirInUse as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"cannot use the state directory {state_dir}: {exc.strerror or exc}") from None
    say(f"stopped: {summary.booted:,} of {summary.stations:,} stations had booted; {summary.messages:,} messages")
