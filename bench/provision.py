"""Register the benchmark's charge stations in a fresh Switchyard SQLite database (before any timing).

Stations are created through `Registry.create_station`, as the API and the CLI do: OCPP 1.6 and
security profile 1. By default Switchyard generates each AuthorizationKey (40 hex digits, hashed with one
PBKDF2 iteration, ADR 0008) and `provision` writes them to `passwords_file(path)` for the clients; given
`secret`, each station gets the key it returns instead (a chosen key: the node's PBKDF2 iterations).
"""

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import uvloop

from bench.common import identity
from switchyard.clock import SystemClock
from switchyard.core.principal import Principal
from switchyard.core.registry import Registry
from switchyard.domain import Scope
from switchyard.settings import Settings
from switchyard.store.database import Database
from switchyard.store.registry_store import DatabaseRegistryStore

# Concurrent creations overlap PBKDF2 hashing with SQLite commits (the engine serialises the writes).
CONCURRENCY = 8


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def passwords_file(database: Path) -> Path:
    """Where `provision` leaves the generated passwords: one `identity password` line per station."""
    return database.with_name(database.name + ".passwords")


async def _provision(
    path: Path, count: int, name: Callable[[int], str], secret: Callable[[str], str] | None
) -> dict[str, str]:
    settings = Settings(database_url=sqlite_url(path))
    database = Database(settings.database_url)
    try:
        await database.upgrade()
        registry = Registry(DatabaseRegistryStore(database), SystemClock(), settings.station_password_iterations)
        await registry.bootstrap()
        operator = await registry.operators.ensure_operator("default")
        who = Principal(operator.id, key_id="bench", scope=Scope.ADMIN, platform=operator.platform)
        queue = iter(range(count))
        generated: dict[str, str] = {}

        async def worker() -> None:
            for index in queue:
                station = name(index)
                created = await registry.stations.create_station(
                    who, station, "1.6", 1, secret(station) if secret else None
                )
                if created.generated_password is not None:
                    generated[station] = created.generated_password

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return generated
    finally:
        await database.close()


def provision(
    path: Path, count: int, name: Callable[[int], str] = identity, secret: Callable[[str], str] | None = None
) -> float:
    """Create `count` stations in a new database at `path`; returns the seconds it took."""
    started = time.perf_counter()
    generated = uvloop.run(_provision(path, count, name, secret))
    if generated:
        passwords_file(path).write_text("".join(f"{station} {key}\n" for station, key in generated.items()))
    return time.perf_counter() - started
