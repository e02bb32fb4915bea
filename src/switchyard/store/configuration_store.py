"""`ports.configuration.ConfigurationStore` on the database: transactions of their own, read-only
looks, and writes that share the group commit (store/group_commit.py)."""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from switchyard.ports.configuration import ConfigurationTx
from switchyard.store.action_rows import SqlActions
from switchyard.store.database import Database
from switchyard.store.group_commit import GroupCommit
from switchyard.store.outbox import SessionOutbox
from switchyard.store.reported_rows import SqlConfiguredStations, SqlPendingPasswords, SqlReportedConfiguration

T = TypeVar("T")


class SqlConfigurationTx:
    """The configuration repositories over one session (each made when first used)."""

    __slots__ = ("_actions", "_outbox", "_passwords", "_reported", "_session", "_stations")

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._actions: SqlActions | None = None
        self._reported: SqlReportedConfiguration | None = None
        self._stations: SqlConfiguredStations | None = None
        self._passwords: SqlPendingPasswords | None = None
        self._outbox: SessionOutbox | None = None

    @property
    def actions(self) -> SqlActions:
        if self._actions is None:
            self._actions = SqlActions(self._session)
        return self._actions

    @property
    def reported(self) -> SqlReportedConfiguration:
        if self._reported is None:
            self._reported = SqlReportedConfiguration(self._session)
        return self._reported

    @property
    def stations(self) -> SqlConfiguredStations:
        if self._stations is None:
            self._stations = SqlConfiguredStations(self._session)
        return self._stations

    @property
    def passwords(self) -> SqlPendingPasswords:
        if self._passwords is None:
            self._passwords = SqlPendingPasswords(self._session)
        return self._passwords

    @property
    def outbox(self) -> SessionOutbox:
        if self._outbox is None:
            self._outbox = SessionOutbox(self._session)
        return self._outbox


class DatabaseConfigurationStore:
    def __init__(self, database: Database, writes: GroupCommit) -> None:
        self._db = database
        self._writes = writes

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[ConfigurationTx]:
        async with self._db.transaction() as session:
            yield SqlConfigurationTx(session)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[ConfigurationTx]:
        async with self._db.sessions() as session:
            yield SqlConfigurationTx(session)

    async def write(self, work: Callable[[ConfigurationTx], Awaitable[T]]) -> T:
        async def in_session(session: AsyncSession) -> T:
            return await work(SqlConfigurationTx(session))

        return await self._writes.write(in_session)

    async def drain(self) -> None:
        await self._writes.drain()
