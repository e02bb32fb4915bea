"""The `switchyard` command."""

import json
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
import uvloop
from pydantic import ValidationError
from rich.console import Console, Group
from rich.live import Live
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError

from switchyard import logs
from switchyard.cli_api import DEFAULT_API_URL, TERMINAL, ApiClient, ApiError, StillRunning
from switchyard.clock import SystemClock
from switchyard.core.actions import ActionType, Status
from switchyard.core.principal import Principal
from switchyard.core.registry import Registry
from switchyard.domain import Scope
from switchyard.errors import DomainError
from switchyard.settings import Settings
from switchyard.store.database import Database
from switchyard.store.tables import Station

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Switchyard: an OCPP central system.")
apikey_app = typer.Typer(no_args_is_help=True, help="API keys.")
station_app = typer.Typer(no_args_is_help=True, help="Charge stations.")
db_app = typer.Typer(no_args_is_help=True, help="The database.")
config_app = typer.Typer(no_args_is_help=True, help="A station's configuration, through a running Switchyard.")
actions_app = typer.Typer(no_args_is_help=True, help="Requests to stations and their outcome, through the API.")
app.add_typer(apikey_app, name="apikey")
app.add_typer(station_app, name="station")
app.add_typer(db_app, name="db")
app.add_typer(config_app, name="config")
app.add_typer(actions_app, name="actions")

out = Console()
err = Console(stderr=True)
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
        raise _fail(f"invalid settings (options or SWITCHYARD_* variables): {problems}") from None


def _fail(message: str) -> typer.Exit:
    """Print `message` as one line on stderr (never wrapped, never read as markup); exit 1."""
    message = " ".join(message.split())
    err.print(Text.assemble(("error:", "red"), " ", message), soft_wrap=True, highlight=False)
    return typer.Exit(1)


def _say(line: str) -> None:
    out.print(Text(line), soft_wrap=True, highlight=False)


def _run(work: Coroutine[Any, Any, T], os_error: str = "cannot use the database") -> T:
    """Run `work`; a refusal or an environment problem (`os_error`: what failed) is one line and exit 1."""
    try:
        return uvloop.run(work)
    except DomainError as exc:
        raise _fail(exc.message) from None
    except SQLAlchemyError as exc:
        raise _fail(f"cannot use the database: {exc}".splitlines()[0]) from None
    except OSError as exc:
        raise _fail(f"{os_error}: {exc}".splitlines()[0]) from None


def _print_table(headers: list[str], rows: list[list[str]], show_header: bool = True, whole: int = 1) -> None:
    """A table for people at a terminal; tab-separated lines, nothing cut short, for scripts.

    At a terminal the first `whole` columns (names, ids) are never wrapped; the others fold to fit.
    """
    if not out.is_terminal:
        lines = [headers] if show_header else []
        for row in lines + rows:
            typer.echo("\t".join(value.replace("\t", " ").replace("\n", " ") for value in row))
        return
    table = Table(show_header=show_header)
    for index, header in enumerate(headers):
        if index < whole:
            widest = max((len(row[index]) for row in rows), default=0)
            table.add_column(header, no_wrap=True, min_width=max(widest, len(header)))
        else:
            table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*(Text(value) for value in row))
    out.print(table)


async def _with_registry(database_url: str | None, work: Callable[[Registry], Awaitable[T]]) -> T:
    settings = _settings(database_url=database_url)
    database = Database(settings.database_url)
    try:
        await database.upgrade()
        return await work(Registry(database, SystemClock(), settings.station_password_iterations))
    finally:
        await database.close()


async def _as_operator(registry: Registry, name: str, create: bool = False) -> Principal:
    """The operator called `name` as an admin; created when missing only if `create` (never by reads)."""
    operator = await (registry.ensure_operator(name) if create else registry.find_operator(name))
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
        open_registration=open_registration,
        database_url=database_url,
        log_level=log_level,
    )
    try:
        logs.configure(settings.log_level, settings.log_format)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    try:
        _run(run_node(settings), os_error="cannot start")
    except StartupError as exc:
        raise _fail(str(exc)) from None


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
    profile: Annotated[int, typer.Option(help="Security profile 1, 2 or 3")] = 1,
    password: Annotated[str | None, typer.Option(help="Generated when omitted (profiles 1 and 2)")] = None,
    serial: Annotated[str | None, typer.Option(help="Serial number (profile 3 certificate CN)")] = None,
    site: Annotated[str | None, typer.Option(help="Site id")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Register a charge station."""

    async def work(registry: Registry) -> tuple[Station, str | None]:
        who = await _as_operator(registry, operator, create=True)
        created = await registry.create_station(who, identity, ocpp, profile, password, serial, site)
        return created.station, created.generated_password

    station, generated = _run(_with_registry(database_url, work))
    _say(f"added {station.identity} ({station.id}), OCPP {station.ocpp_version}, profile {station.security_profile}")
    if generated:
        _say(f"generated password (shown once): {generated}")


@station_app.command("list")
def station_list(
    operator: Annotated[str, typer.Option(help="Operator name")],
    database_url: DatabaseUrl = None,
) -> None:
    """List an operator's charge stations."""

    async def work(registry: Registry) -> list[Station]:
        who = await _as_operator(registry, operator)
        return list(await registry.list_stations(who, limit=100_000))

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
    _print_table(headers, rows, whole=2)


@station_app.command("show")
def station_show(
    identity: Annotated[str, typer.Argument(help="The OCPP identity")],
    operator: Annotated[str, typer.Option(help="Operator name")],
    database_url: DatabaseUrl = None,
) -> None:
    """Show one charge station."""

    async def work(registry: Registry) -> Station:
        who = await _as_operator(registry, operator)
        return await registry.find_station(who, identity)

    station = _run(_with_registry(database_url, work))
    rows = []
    for column in Station.__table__.columns:
        if column.name == "password_hash":
            # The hash is a secret too: say only whether there is one.
            rows.append(["password", "set" if station.password_hash else "not set"])
            continue
        value = getattr(station, column.key)
        rows.append([column.name, "" if value is None else str(value)])
    _print_table(["field", "value"], rows, show_header=False, whole=2)


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
    _say("database is up to date")


@app.command()
def sim(
    stations: Annotated[int, typer.Option(min=1, help="How many stations")] = 1,
    ocpp: Annotated[str, typer.Option(help="1.6 or 2.0.1")] = "1.6",
    url: Annotated[str, typer.Option(help="CSMS URL without the identity")] = "ws://127.0.0.1:9000/ocpp",
    identity: Annotated[str, typer.Option(help="Identity pattern; {n} is the station's number")] = "SIM-{n:05}",
    profile: Annotated[
        str | None, typer.Option(help="Firmware profile: a built-in name or a YAML file (default per version)")
    ] = None,
    faults: Annotated[str, typer.Option(help="e.g. drop=0.5,slow=2,ignore=Reset,sticky,fraction=0.1")] = "",
    fault_seed: Annotated[int, typer.Option(help="Which stations get the faults, with fraction=")] = 0,
    security_profile: Annotated[int, typer.Option(min=1, max=3, help="1, 2 or 3")] = 1,
    password_seed: Annotated[str, typer.Option(help="Passwords are derived from this and the identity")] = "switchyard",  # noqa: S107 - simulated stations only
    passwords: Annotated[Path | None, typer.Option(help="identity,password lines or a JSON object instead")] = None,
    ca_file: Annotated[Path | None, typer.Option(help="CA of the CSMS certificate (wss://)")] = None,
    client_cert: Annotated[Path | None, typer.Option(help="Station certificate (profile 3)")] = None,
    client_key: Annotated[Path | None, typer.Option(help="Station private key (profile 3)")] = None,
    state_dir: Annotated[Path, typer.Option(help="Where configurations survive restarts")] = Path("sim-state"),
    concurrency: Annotated[int, typer.Option(min=1, help="Connections opened at once")] = 100,
    register: Annotated[bool, typer.Option(help="Create the stations in Switchyard through its API first")] = False,
    api_url: Annotated[
        str, typer.Option(envvar="SWITCHYARD_API_URL", help="Switchyard API for --register")
    ] = "http://127.0.0.1:8000",
    api_key: Annotated[str | None, typer.Option(envvar="SWITCHYARD_API_KEY", help="API key for --register")] = None,
    duration: Annotated[float | None, typer.Option(help="Stop after this many seconds")] = None,
) -> None:
    """Run simulated charging stations against a CSMS, with a live summary; Ctrl-C stops them."""
    from switchyard.sim.faults import parse_faults
    from switchyard.sim.fleet import fleet_specs
    from switchyard.sim.passwords import passwords_from_file
    from switchyard.sim.profile import ProfileError, load_profile
    from switchyard.sim.run import Registering, run_fleet

    if ocpp not in ("1.6", "2.0.1"):
        raise _fail(f"--ocpp must be 1.6 or 2.0.1, not {ocpp!r}")
    if register and not api_key:
        raise _fail("--register needs --api-key (or SWITCHYARD_API_KEY)")
    try:
        firmware = load_profile(profile or ("edrv-reference-16" if ocpp == "1.6" else "reference-201"))
        if firmware.ocpp != ocpp:
            raise _fail(f"profile {firmware.name} is for OCPP {firmware.ocpp}, not {ocpp}")
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
        raise _fail(str(exc)) from None
    except DomainError as exc:
        raise _fail(exc.message) from None
    registering = Registering(api_url, api_key) if register and api_key else None
    summary = _run(run_fleet(specs, concurrency, registering, duration, out), os_error="simulator")
    _say(f"stopped: {summary.booted:,} of {summary.stations:,} stations had booted; {summary.messages:,} messages")


# -- commands through the API of a running Switchyard (the station sockets live in the server) --

ApiUrl = Annotated[str, typer.Option("--api-url", envvar="SWITCHYARD_API_URL", help="Switchyard's API")]
ApiKey = Annotated[
    str | None, typer.Option("--api-key", envvar="SWITCHYARD_API_KEY", help="An API key", show_default=False)
]
StationArg = Annotated[
    str, typer.Argument(metavar="STATION", help="The station's id (24 hex characters) or its identity")
]
Wait = Annotated[bool, typer.Option("--wait/--no-wait", help="Follow the request until it ends")]
Timeout = Annotated[float, typer.Option(min=0, help="How many seconds to follow it at most")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the API's JSON instead")]
Reason = Annotated[str | None, typer.Option(help="Why: kept in the audit trail")]

SHORT_TYPES = {
    ActionType.UPDATE_CONFIGURATION: "update",
    ActionType.GET_CONFIGURATION: "read",
    ActionType.RESET: "reset",
}


class ResetType(StrEnum):
    HARD = "Hard"
    SOFT = "Soft"
    IMMEDIATE = "Immediate"
    ON_IDLE = "OnIdle"


@contextmanager
def _api(url: str, key: str | None) -> Iterator[ApiClient]:
    """A client of the API at `url`; any refusal or connection problem is one line and exit 1."""
    if not key:
        raise _fail("no API key: pass --api-key or set SWITCHYARD_API_KEY (`switchyard apikey create` makes one)")
    try:
        with ApiClient(url, key) as client:
            yield client
    except ApiError as exc:
        raise _fail(exc.message) from None


def _echo_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False))


def _action_data(action: dict[str, Any]) -> str:
    data = action.get("data") or {}
    if action.get("type") == "chargestation.update_configuration":
        return f"{data.get('key')}={data.get('value')}"
    return " ".join(f"{name}={value}" for name, value in data.items())


def _action_subject(action: dict[str, Any]) -> str:
    kind = SHORT_TYPES.get(action.get("type", ""))
    if kind == "read":
        return "configuration read"
    if kind == "reset":
        return f"reset {(action.get('data') or {}).get('type', '')}".rstrip()
    return _action_data(action) if kind == "update" else str(action.get("type"))


def _action_state(action: dict[str, Any]) -> str:
    status, phase = action["status"], action.get("phase")
    if status == "requested" and phase:
        return f"requested, {phase}"
    if status == "completed" and phase == "awaiting_reboot":
        return "completed, awaiting reboot"
    return str(status)


def _action_note(action: dict[str, Any]) -> str:
    """Why an action stands where it does: the failure's reason, the station's refusal, what it waits for."""
    response = action.get("response_data") or {}
    if action["status"] == "failed":
        return str(response.get("reason") or "no reason given")
    if action["status"] == "rejected":
        info = response.get("statusInfo") or {}
        detail = " ".join(str(info[k]) for k in ("reasonCode", "additionalInfo") if info.get(k))
        return f"the station answered {response.get('status', 'Rejected')}" + (f" ({detail})" if detail else "")
    return str(action.get("waitingFor") or "")


def _describe(action: dict[str, Any]) -> str:
    note = _action_note(action)
    return f"{_action_subject(action)}: {_action_state(action)}{': ' + note if note else ''} (action {action['_id']})"


def _follow(client: ApiClient, actions: list[dict[str, Any]], timeout: float) -> list[dict[str, Any]]:
    """Follow `actions` until each has ended, showing their progress on stderr; their final states."""
    ids = " ".join(a["_id"] for a in actions if a["status"] not in TERMINAL)
    live = Live(console=err, transient=True, refresh_per_second=12) if err.is_terminal else None
    shown: dict[str, str] = {}

    def progress(current: list[dict[str, Any]]) -> None:
        if live is not None:
            lines = [
                Text(_describe(a)) if a["status"] in TERMINAL else Spinner("dots", Text(_describe(a))) for a in current
            ]
            live.update(Group(*lines))
            return
        for action in current:  # for logs: one line per change of an action still under way
            line = _describe(action)
            if action["status"] not in TERMINAL and shown.get(action["_id"]) != line:
                shown[action["_id"]] = line
                err.print(Text(line), soft_wrap=True, highlight=False)

    try:
        if live is None:
            return client.follow(actions, timeout, progress)
        with live:
            return client.follow(actions, timeout, progress)
    except StillRunning as still:
        for action in still.actions:
            _say(_describe(action))
        raise _fail(f"still under way after {still.timeout:g} s; `switchyard actions wait {ids}` follows on") from None
    except KeyboardInterrupt:
        raise _fail(f"stopped following; Switchyard goes on (`switchyard actions wait {ids}`)") from None


def _report(client: ApiClient, actions: list[dict[str, Any]], wait: bool, timeout: float) -> None:
    """Each action's line, after following them if `wait`; exit 1 if one did not complete."""
    if wait:
        actions = _follow(client, actions, timeout)
    for action in actions:
        _say(_describe(action))
    missed = [a for a in actions if a["status"] in TERMINAL and a["status"] != "completed"]
    if missed:
        raise _fail("it did not complete" if len(actions) == 1 else f"{len(missed)} of {len(actions)} did not complete")


def _print_details(details: list[dict[str, Any]]) -> None:
    def yes(value: Any) -> str:
        return "yes" if value else "no"

    rows = [
        [
            str(d.get("name", "")),
            str(d.get("value", "")),
            str(d.get("desiredValue", "")),
            yes(d.get("writable")),
            yes(d.get("editable")),
            str(d.get("category", "")),
        ]
        for d in details
    ]
    _print_table(["name", "value", "desired", "writable", "editable", "category"], rows)


@config_app.command("get")
def config_get(
    station: StationArg,
    wait: Wait = True,
    timeout: Timeout = 120.0,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
) -> None:
    """Ask the station for its whole configuration; then show it."""
    with _api(api_url, api_key) as client:
        station_id = client.station_id(station)
        action = client.get(f"/v1.1/chargestations/{station_id}/configurations", view="full")
        if not wait:
            _say(_describe(action))
            return
        (done,) = _follow(client, [action], timeout)
        if done["status"] != "completed":
            raise _fail(f"the configuration read {done['status']}: {_action_note(done)} (action {done['_id']})")
        _print_details(client.get(f"/v1.1/chargestations/{station_id}/configurations/details"))


@config_app.command("details")
def config_details(
    station: StationArg, as_json: AsJson = False, api_url: ApiUrl = DEFAULT_API_URL, api_key: ApiKey = None
) -> None:
    """The configuration the station last reported, each key explained."""
    with _api(api_url, api_key) as client:
        details = client.get(f"/v1.1/chargestations/{client.station_id(station)}/configurations/details")
    if as_json:
        _echo_json(details)
    else:
        _print_details(details)


def _pairs(pairs: list[str]) -> list[tuple[str, str]]:
    split = []
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key:
            raise _fail(f"{pair!r} is not KEY=VALUE")
        split.append((key, value))
    return split


@config_app.command("set")
def config_set(
    station: StationArg,
    pairs: Annotated[list[str], typer.Argument(metavar="KEY=VALUE...", help="Changes, sent in this order")],
    reason: Reason = None,
    wait: Wait = True,
    timeout: Timeout = 120.0,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
) -> None:
    """Change settings, one at a time and each read back; several are queued in order, all or none."""
    changes = [{"key": key, "value": value} | ({"reason": reason} if reason else {}) for key, value in _pairs(pairs)]
    with _api(api_url, api_key) as client:
        path = f"/v1.1/chargestations/{client.station_id(station)}/configurations"
        created = client.post(path, changes if len(changes) > 1 else changes[0], view="full")
        _report(client, created if isinstance(created, list) else [created], wait, timeout)


@config_app.command("reset")
def config_reset(
    station: StationArg,
    kind: Annotated[ResetType, typer.Option("--type", help="Hard, Soft (1.6); Immediate, OnIdle (2.0.1)")],
    force: Annotated[bool, typer.Option(help="Even while a transaction runs (it will be stopped)")] = False,
    reason: Reason = None,
    wait: Wait = True,
    timeout: Timeout = 120.0,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
) -> None:
    """Reset the station."""
    body: dict[str, Any] = {"type": kind.value, "force": force} | ({"reason": reason} if reason else {})
    with _api(api_url, api_key) as client:
        action = client.post(f"/v1.1/chargestations/{client.station_id(station)}/reset", body, view="full")
        _report(client, [action], wait, timeout)


@actions_app.command("list")
def actions_list(
    station: StationArg,
    status: Annotated[Status | None, typer.Option(help="Only these")] = None,
    kind: Annotated[
        str | None,
        typer.Option("--type", help="update, read, reset, or the full names (chargestation.update_configuration)"),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="The newest this many")] = 50,
    as_json: AsJson = False,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
) -> None:
    """A station's actions, newest first."""
    full_names = {short: name for name, short in SHORT_TYPES.items()}
    if kind is not None and kind not in SHORT_TYPES:
        if kind not in full_names:
            raise _fail(f"--type must be one of {', '.join([*full_names, *SHORT_TYPES])}; got {kind!r}")
        kind = full_names[kind]
    params: dict[str, str | int] = {"view": "full", "limit": limit}
    params |= {"status": status.value} if status else {}
    params |= {"type": kind} if kind else {}
    with _api(api_url, api_key) as client:
        actions = client.get(f"/v1.1/chargestations/{client.station_id(station)}/actions", **params)
    if as_json:
        _echo_json(actions)
        return
    rows = [
        [
            a["_id"],
            SHORT_TYPES.get(a["type"], a["type"]),
            a["status"],
            str(a.get("phase") or ""),
            _action_data(a),
            str(a.get("createdAt", "")),
            _action_note(a),
        ]
        for a in actions
    ]
    _print_table(["id", "type", "status", "phase", "data", "created", "reason / waiting for"], rows)


@actions_app.command("show")
def actions_show(
    action_id: Annotated[str, typer.Argument(metavar="ACTION_ID", help="The action's id")],
    as_json: AsJson = False,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
) -> None:
    """One action: what was asked, by whom and why, and what the station answered."""
    with _api(api_url, api_key) as client:
        action = client.action(action_id)
    if as_json:
        _echo_json(action)
        return
    rows = [
        [name, _text(action.get(name))] for name in ("_id", "type", "status", "phase", "waitingFor", "chargestation")
    ]
    rows += [[f"data.{name}", _text(value)] for name, value in (action.get("data") or {}).items()]
    rows += [[name, _text(action.get(name))] for name in ("createdAt", "updatedAt", "expiresAt")]
    rows += [[f"audit.{name}", _text(value)] for name, value in (action.get("audit") or {}).items()]
    rows += [[f"response_data.{name}", _text(value)] for name, value in (action.get("response_data") or {}).items()]
    _print_table(["field", "value"], rows, show_header=False)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


@actions_app.command("wait")
def actions_wait(
    action_ids: Annotated[list[str], typer.Argument(metavar="ACTION_ID...", help="The actions' ids")],
    timeout: Timeout = 120.0,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
) -> None:
    """Follow actions until they end; exit 1 if one did not complete."""
    with _api(api_url, api_key) as client:
        _report(client, [client.action(action_id) for action_id in action_ids], True, timeout)


def main() -> None:
    app()
