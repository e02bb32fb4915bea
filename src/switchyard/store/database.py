"""Engine, sessions and migrations for any SQLAlchemy URL (SQLite by default, PostgreSQL by URL)."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

MIGRATIONS = Path(__file__).with_name("migrations")


def create_engine(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:" and not path.startswith("file:"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the API read while the recorder writes; NORMAL is durable across process crashes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.dialect = self.engine.dialect.name
        self._reader: asyncio.Task[aiosqlite.Connection] | None = None
        # SQLite has one writer at a time. Taking turns here, in the event loop, costs a task switch;
        # leaving it to SQLite costs its busy handler's sleeps (1, 2, 5, 10 ... 100 ms) whenever two
        # transactions meet, which under many concurrent writers is most of the time.
        self._write_turn = asyncio.Lock() if self.dialect == "sqlite" else None

    async def sqlite_read(self, sql: str, parameters: Sequence[Any]) -> Iterable[Any]:
        """Rows of a read-only query on a dedicated autocommit SQLite connection.

        One hop to the connection's thread per query, where a pooled SQLAlchemy connection makes
        six (checkout, cursor, execute, fetch, close, reset); the gateway's lookups run here when
        thousands of stations connect at once.
        """
        if self._reader is None:
            self._reader = asyncio.ensure_future(self._open_reader())
        reader = await self._reader
        return await reader.execute_fetchall(sql, parameters)

    async def _open_reader(self) -> aiosqlite.Connection:
        path = make_url(self.url).database or ":memory:"
        reader = await aiosqlite.connect(path, isolation_level=None)
        await reader.execute("PRAGMA query_only=1")
        await reader.execute("PRAGMA busy_timeout=30000")
        return reader

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work is committed together at the end, or not at all.

        Never nest two: on SQLite the inner one would wait for the outer one forever.
        """
        if self._write_turn is None:
            async with self.sessions() as session, session.begin():
                yield session
            return
        async with self._write_turn, self.sessions() as session, session.begin():
            yield session

    async def upgrade(self) -> None:
        async with self.engine.begin() as connection:
            await connection.run_sync(_upgrade)

    async def close(self) -> None:
        if self._reader is not None:
            reader, self._reader = self._reader, None
            with contextlib.suppress(Exception):
                await (await reader).close()
        await self.engine.dispose()


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


def default_key_file(database_url: str) -> Path:
    """Where the key file lives when no key is configured: next to a SQLite file, else the working directory."""
    url = make_url(database_url)
    path = url.database if url.get_backend_name() == "sqlite" else None
    if path and path != ":memory:" and not path.startswith("file:"):
        return Path(path).with_name(Path(path).name + ".key")
    return Path("switchyard.key")
