"""Register the benchmark's charge stations in a fresh Switchyard SQLite database (before any timing).

Stations are created through `Registry.create_station`, as the API and the CLI do: OCPP 1.6,
security profile 1, a 40-hex-digit AuthorizationKey hashed with the node's PBKDF2 settings.
"""

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import uvloop

from bench.common import identity, password
from switchyard.clock import SystemClock
from switchyard.core.principal import Principal
from switchyard.core.registry import Registry
from switchyard.domain import Scope
from switchyard.settings import Settings
from switchyard.store.database import Database

# Concurrent creations overlap PBKDF2 hashing with SQLite commits (the engine serialises the writes).
CONCURRENCY = 8


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


async def _provision(path: Path, count: int, name: Callable[[int], str], secret: Callable[[str], str]) -> None:
    settings = Settings(database_url=sqlite_url(path))
    database = Database(settings.database_url)
    try:
        await database.upgrade()
        registry = Registry(database, SystemClock(), settings.station_password_iterations)
        await registry.bootstrap()
        operator = await registry.ensure_operator("default")
        who = Principal(operator.id, key_id="bench", scope=Scope.ADMIN, platform=operator.platform)
        queue = iter(range(count))

        async def worker() -> None:
            for index in queue:
                station = name(index)
                await registry.create_station(who, station, "1.6", 1, secret(station))

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    finally:
        await database.close()


def provision(
    path: Path, count: int, name: Callable[[int], str] = identity, secret: Callable[[str], str] = password
) -> float:
    """Create `count` stations in a new database at `path`; returns the seconds it took."""
    started = time.perf_counter()
    uvloop.run(_provision(path, count, name, secret))
    return time.perf_counter() - started
