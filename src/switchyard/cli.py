"""The `switchyard` command: the server, the simulator, and what works on the database directly (API
keys, stations, migrations). The commands that go through a running Switchyard's API are in `cli_config`."""

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
import uvloop
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from switchyard import logs
from switchyard.cli_config import actions_app, config_app
from switchyard.cli_output import fail, out, print_table, say
from switchyard.clock import SystemClock
from switchyard.core.principal import Principal
from switchyard.core.registry import Registry, StationTls
from switchyard.domain import Scope
from switchyard.errors import DomainError
from switchyard.ports.registry import RegisteredStation
from switchyard.settings import Settings
from switchyard.store.database import Database
from switchyard.store.registry_store import DatabaseRegistryStore

if TYPE_CHECKING:
    from switchyard.sim.profile import FirmwareProfile
    from switchyard.sim.run import Registering
    from switchyard.sim.spec import StationSpec

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Switchyard: an OCPP central system.")
apikey_app = typer.Typer(no_args_is_help=True, help="API keys.")
station_app = typer.Typer(no_args_is_help=True, help="Charge stations.")
db_app = typer.Typer(no_args_is_help=True, help="The database.")
app.add_typer(apikey_app, name="apikey")
app.add_typer(station_app, name="station")
app.add_typer(db_app, name="db")
app.add_typer(config_app, name="config")
app.add_typer(actions_app, name="actions")

T = TypeVar("T")

DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="SQLAlchemy URL (default: SWITCHYARD_DATABASE_URL or ./switchyard.db)"),
]


def _settings(**overrides: Any) -> Settings:
    given = {name: value for name, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise fail(f"invalid settings (options or SWITCHYARD_* variables): {problems}") from None


def _run(work: Coroutine[Any, Any, T], os_error: str = "cannot use the database") -> T:
    """Run `work`; a refusal or an environment problem (`os_error`: what failed) is one line and exit 1."""
    try:
        return uvloop.run(work)
    except DomainError as exc:
        raise fail(exc.message) from None
    except SQLAlchemyError as exc:
        raise fail(f"cannot use the database: {exc}".splitlines()[0]) from None
    except OSError as exc:
        raise fail(f"{os_error}: {exc}".splitlines()[0]) from None


async def _with_registry(database_url: str | None, work: Callable[[Registry], Awaitable[T]]) -> T:
    settings = _settings(database_url=database_url)
    database = Database(settings.database_url)
    try:
        await database.upgrade()
        # Station profiles 2 and 3 are checked against the TLS settings serve would read from this environment.
        tls = StationTls.configured(settings.tls_cert_file, settings.tls_key_file, settings.tls_client_ca_file)
        registry = Registry(
            DatabaseRegistryStore(database), SystemClock(), settings.station_password_iterations, station_tls=tls
        )
        return await work(registry)
    finally:
        await database.close()


async def _as_operator(registry: Registry, name: str, create: bool = False) -> Principal:
    """The operator called `name` as an admin; created when missing only if `create` (never by reads)."""
    operators = registry.operators
    operator = await (operators.ensure_operator(name) if create else operators.find_operator(name))
    return Principal(operator.id, key_id="cli", scope=Scope.ADMIN, platform=operator.platform)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address for both listeners [SWITCHYARD_HOST]")] = None,
    api_port: Annotated[int | None, typer.Option(help="REST API port [SWITCHYARD_API_PORT, 8000]")] = None,
    ocpp_port: Annotated[int | None, typer.Option(help="Station port, ws:// [SWITCHYARD_OCPP_PORT, 9000]")] = None,
    ocpp_tls_port: Annotated[int | None, typer.Option(help="Station port, wss:// [9443]")] = None,
    tls_cert: Annotated[Path | None, typer.Option(help="Server certificate (PEM) for wss://")] = None,
    tls_key: Annotated[Path | None, typer.Option(help="Server private key (PEM)")] = None,
    tls_client_ca: Annotated[Path | None, typer.Option(help="CA of station client certificates (profile 3)")] = None,
    tls_second_cert: Annotated[
        Path | None, typer.Option(help="A second server certificate, of the other key type (RSA or ECDSA)")
    ] = None,
    tls_second_key: Annotated[Path | None, typer.Option(help="The second certificate's private key")] = None,
    open_registration: Annotated[
        bool | None,
        typer.Option("--open-registration/--closed-registration", help="Register unknown stations as Pending"),
    ] = None,
    database_url: DatabaseUrl = None,
    log_level: Annotated[str | None, typer.Option(help="debug, info, warning, error")] = None,
) -> None:
    """Start the gateway and the API on an embedded database."""
    from switchyard.runner import StartupError
    from switchyard.runner import serve as run_node

    settings = _settings(
        host=host,
        api_port=api_port,
        ocpp_port=ocpp_port,
        ocpp_tls_port=ocpp_tls_port,
        tls_cert_file=tls_cert,
        tls_key_file=tls_key,
        tls_client_ca_file=tls_client_ca,
        tls_second_cert_file=tls_second_cert,
        tls_second_key_file=tls_second_key,
        open_registration=open_registration,
        database_url=database_url,
        log_level=log_level,
    )
    try:
        logs.configure(settings.log_level, settings.log_format)
    except ValueError as exc:
        raise fail(str(exc)) from None
    try:
        _run(run_node(settings), os_error="cannot start")
    except StartupError as exc:
        raise fail(str(exc)) from None


@apikey_app.command("create")
def apikey_create(
    operator: Annotated[str, typer.Option(help="Operator name; created when missing")],
    scope: Annotated[Scope, typer.Option(help="read, write or admin")] = Scope.ADMIN,
    name: Annotated[str, typer.Option(help="A label for the key")] = "created with the CLI",
    database_url: DatabaseUrl = None,
) -> None:
    """Create an API key and print only the key, so scripts can capture it."""

    async def work(registry: Registry) -> str:
        return (await registry.create_key_for(operator, name, scope)).token

    typer.echo(_run(_with_registry(database_url, work)))


@station_app.command("add")
def station_add(
    identity: Annotated[str, typer.Argument(help="The OCPP identity (last URL segment)")],
    operator: Annotated[str, typer.Option(help="Operator name; created when missing")],
    ocpp: Annotated[str, typer.Option(help="1.6 or 2.0.1")] = "1.6",
    profile: Annotated[
        int, typer.Option(help="Security profile 1, 2 or 3 (2 and 3 need the SWITCHYARD_TLS_* settings serve uses)")
    ] = 1,
    password: Annotated[str | None, typer.Option(help="Generated when omitted (profiles 1 and 2)")] = None,
    serial: Annotated[str | None, typer.Option(help="Serial number (profile 3 certificate CN)")] = None,
    site: Annotated[str | None, typer.Option(help="Site id")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Register a charge station."""

    async def work(registry: Registry) -> tuple[RegisteredStation, str | None]:
        who = await _as_operator(registry, operator, create=True)
        created = await registry.stations.create_station(who, identity, ocpp, profile, password, serial, site)
        return created.station, created.generated_password

    station, generated = _run(_with_registry(database_url, work))
    say(f"added {station.identity} ({station.id}), OCPP {station.ocpp_version}, profile {station.security_profile}")
    if generated:
        say(f"generated password (shown once): {generated}")


@station_app.command("list")
def station_list(
    operator: Annotated[str, typer.Option(help="Operator name")],
    database_url: DatabaseUrl = None,
) -> None:
    """List an operator's charge stations."""

    async def work(registry: Registry) -> list[RegisteredStation]:
        who = await _as_operator(registry, operator)
        return await registry.stations.list_stations(who, limit=100_000)

    stations = _run(_with_registry(database_url, work))
    headers = ["identity", "id", "ocpp", "profile", "state", "connection", "vendor", "model", "firmware", "last seen"]
    rows = [
        [
            s.identity,
            s.id,
            s.ocpp_version,
            str(s.security_profile),
            s.registration_state,
            s.connection_state,
            s.vendor or "",
            s.model or "",
            s.firmware_version or "",
            s.last_seen_at.isoformat(timespec="seconds") if s.last_seen_at else "",
        ]
        for s in stations
    ]
    print_table(headers, rows, whole=2)


@station_app.command("show")
def station_show(
    identity: Annotated[str, typer.Argument(help="The OCPP identity")],
    operator: Annotated[str, typer.Option(help="Operator name")],
    database_url: DatabaseUrl = None,
) -> None:
    """Show one charge station."""

    async def work(registry: Registry) -> RegisteredStation:
        who = await _as_operator(registry, operator)
        return await registry.stations.find_station(who, identity)

    station = _run(_with_registry(database_url, work))
    rows = []
    for field in fields(station):
        if field.name == "password_hash":
            # The hash is a secret too: say only whether there is one.
            rows.append(["password", "set" if station.password_hash else "not set"])
            continue
        value = getattr(station, field.name)
        rows.append([field.name, "" if value is None else str(value)])
    print_table(["field", "value"], rows, show_header=False, whole=2)


@db_app.command("upgrade")
def db_upgrade(database_url: DatabaseUrl = None) -> None:
    """Apply database migrations (serve does this too)."""

    async def work() -> None:
        database = Database(_settings(database_url=database_url).database_url)
        try:
            await database.upgrade()
        finally:
            await database.close()

    _run(work())
    say("database is up to date")


SimProfile = Annotated[
    str | None, typer.Option(help="Firmware profile: a built-in name or a YAML file (default per version)")
]
SimStateDir = Annotated[
    Path | None,
    typer.Option(help="Where configurations survive restarts (default: this fleet's folder in ~/.local/state)"),
]
SimApiUrl = Annotated[str, typer.Option(envvar="SWITCHYARD_API_URL", help="Switchyard API for --register")]


@app.command()
def sim(
    stations: Annotated[int, typer.Option(min=1, help="How many stations")] = 1,
    ocpp: Annotated[str, typer.Option(help="1.6 or 2.0.1")] = "1.6",
    url: Annotated[str, typer.Option(help="CSMS URL without the identity")] = "ws://127.0.0.1:9000/ocpp",
    identity: Annotated[str, typer.Option(help="Identity pattern; {n} is the station's number")] = "SIM-{n:05}",
    profile: SimProfile = None,
    faults: Annotated[str, typer.Option(help="e.g. drop=0.5,slow=2,ignore=Reset,sticky,fraction=0.1")] = "",
    fault_seed: Annotated[int, typer.Option(help="Which stations get the faults, with fraction=")] = 0,
    security_profile: Annotated[int, typer.Option(min=1, max=3, help="1, 2 or 3")] = 1,
    password_seed: Annotated[str, typer.Option(help="Passwords are derived from this and the identity")] = "switchyard",  # noqa: S107 - simulated stations only
    passwords: Annotated[Path | None, typer.Option(help="identity,password lines or a JSON object instead")] = None,
    ca_file: Annotated[Path | None, typer.Option(help="CA of the CSMS certificate (wss://)")] = None,
    client_cert: Annotated[Path | None, typer.Option(help="Station certificate (profile 3)")] = None,
    client_key: Annotated[Path | None, typer.Option(help="Station private key (profile 3)")] = None,
    state_dir: SimStateDir = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Connections opened at once")] = 100,
    register: Annotated[bool, typer.Option(help="Create the stations in Switchyard through its API first")] = False,
    api_url: SimApiUrl = "http://127.0.0.1:8000",
    api_key: Annotated[str | None, typer.Option(envvar="SWITCHYARD_API_KEY", help="API key for --register")] = None,
    duration: Annotated[float | None, typer.Option(help="Stop after this many seconds")] = None,
) -> None:
    """Run simulated charging stations against a CSMS, with a live summary; Ctrl-C stops them."""
    from switchyard.sim.faults import parse_faults
    from switchyard.sim.fleet import fleet_specs
    from switchyard.sim.passwords import passwords_from_file
    from switchyard.sim.profile import ProfileError
    from switchyard.sim.run import Registering
    from switchyard.sim.state_dir import default_state_dir

    if ocpp not in ("1.6", "2.0.1"):
        raise fail(f"--ocpp must be 1.6 or 2.0.1, not {ocpp!r}")
    # Per-station retries are DEBUG lines; unconfigured, structlog printed them through the live table.
    logs.configure("warning")
    if register and not api_key:
        raise fail("--register needs --api-key (or SWITCHYARD_API_KEY)")
    try:
        firmware = _firmware(profile, ocpp)
        state_dir = state_dir or default_state_dir(url, firmware, identity)
        specs = fleet_specs(
            stations,
            url,
            firmware,
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
        )
    except (ProfileError, KeyError, IndexError, ValueError) as exc:
        raise fail(str(exc)) from None
    except DomainError as exc:
        raise fail(exc.message) from None
    registering = Registering(api_url, api_key) if register and api_key else None
    _run_fleet(specs, state_dir, concurrency, registering, duration)


def _firmware(profile: str | None, ocpp: str) -> "FirmwareProfile":
    """The firmware profile named (or the version's reference one); it must speak `ocpp`."""
    from switchyard.sim.profile import load_profile

    firmware = load_profile(profile or ("edrv-reference-16" if ocpp == "1.6" else "reference-201"))
    if firmware.ocpp != ocpp:
        raise fail(f"profile {firmware.name} is for OCPP {firmware.ocpp}, not {ocpp}")
    return firmware


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

    try:
        with claimed(state_dir):
            say(f"station state: {state_dir}")
            summary = _run(run_fleet(specs, concurrency, registering, duration, out), os_error="simulator")
    except StateDirInUse as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"cannot use the state directory {state_dir}: {exc.strerror or exc}") from None
    say(f"stopped: {summary.booted:,} of {summary.stations:,} stations had booted; {summary.messages:,} messages")


def main() -> None:
    app()
