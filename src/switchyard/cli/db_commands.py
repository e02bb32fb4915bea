"""The commands that open the database directly, with no Switchyard running: API keys (`apikey`),
charge stations (`station`) and migrations (`db`). What reaches stations goes through the API instead
(`api_commands`)."""

from collections.abc import Awaitable, Callable
from dataclasses import fields
from typing import Annotated, TypeVar

import typer

from switchyard.cli.in_process import DatabaseUrl, run, settings_from
from switchyard.cli.output import fail, note, print_table, say
from switchyard.clock import SystemClock
from switchyard.core.principal import Principal
from switchyard.core.registry import Registry, StationTls
from switchyard.domain import Scope
from switchyard.ports.registry import OperatorRecord, RegisteredStation
from switchyard.store.database import Database
from switchyard.store.registry_store import DatabaseRegistryStore

apikey_app = typer.Typer(no_args_is_help=True, help="API keys.")
station_app = typer.Typer(no_args_is_help=True, help="Charge stations.")
db_app = typer.Typer(no_args_is_help=True, help="The database.")

T = TypeVar("T")

# Whoever runs these commands holds the whole database: as a platform admin, it sees every operator.
_DATABASE_HOLDER = Principal(operator_id="", key_id="cli", scope=Scope.ADMIN, platform=True)
NAMES_SHOWN = 5  # operators named when `--operator` is needed


async def _with_registry(database_url: str | None, work: Callable[[Registry], Awaitable[T]]) -> T:
    settings = settings_from(database_url=database_url)
    database = Database(settings.database_url)
    try:
        await database.upgrade()
        # Station profiles 2 and 3 are checked against the TLS settings serve would read from this environment.
        tls = StationTls.configured(settings.tls_cert_file, settings.tls_key_file, settings.tls_client_ca_file)
        store = DatabaseRegistryStore(database)
        return await work(Registry(store, SystemClock(), settings.station_password_iterations, station_tls=tls))
    finally:
        await database.close()


async def _as_operator(registry: Registry, name: str, create: bool = False) -> Principal:
    """The operator called `name` as an admin; created when missing only if `create` (never by reads)."""
    operators = registry.operators
    operator = await (operators.ensure_operator(name) if create else operators.find_operator(name))
    return _admin_of(operator)


async def _only_operator(registry: Registry) -> Principal | None:
    """The one operator there is, as an admin; None while there is none; with several, `--operator` is needed."""
    operators = await registry.operators.list_operators(_DATABASE_HOLDER)
    if len(operators) > 1:
        names = ", ".join(repr(operator.name) for operator in operators[:NAMES_SHOWN])
        more = f" and {len(operators) - NAMES_SHOWN} more" if len(operators) > NAMES_SHOWN else ""
        raise fail(f"--operator is needed: this database has {len(operators)} operators ({names}{more})")
    return _admin_of(operators[0]) if operators else None


def _admin_of(operator: OperatorRecord) -> Principal:
    return Principal(operator.id, key_id="cli", scope=Scope.ADMIN, platform=operator.platform)


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

    typer.echo(run(_with_registry(database_url, work)))


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

    station, generated = run(_with_registry(database_url, work))
    say(f"added {station.identity} ({station.id}), OCPP {station.ocpp_version}, profile {station.security_profile}")
    if generated:
        say(f"generated password (shown once): {generated}")


@station_app.command("list")
def station_list(
    operator: Annotated[str | None, typer.Option(help="Operator name; needed only when there are several")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """List an operator's charge stations."""

    async def work(registry: Registry) -> list[RegisteredStation] | None:
        who = await (_only_operator(registry) if operator is None else _as_operator(registry, operator))
        return None if who is None else await registry.stations.list_stations(who, limit=100_000)

    stations = run(_with_registry(database_url, work))
    if stations is None:
        note("no operators yet, so no stations: `switchyard station add IDENTITY --operator NAME` adds both")
        return
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
    operator: Annotated[str | None, typer.Option(help="Operator name; needed only when there are several")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Show one charge station."""

    async def work(registry: Registry) -> RegisteredStation | None:
        who = await (_only_operator(registry) if operator is None else _as_operator(registry, operator))
        return None if who is None else await registry.stations.find_station(who, identity)

    station = run(_with_registry(database_url, work))
    if station is None:
        raise fail(f"charge station {identity!r} not found: there are no operators yet")
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
        database = Database(settings_from(database_url=database_url).database_url)
        try:
            await database.upgrade()
        finally:
            await database.close()

    run(work())
    say("database is up to date")
