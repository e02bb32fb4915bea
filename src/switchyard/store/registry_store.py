"""`ports.registry.RegistryStore` on the database: transactions of their own and read-only looks, in
which a write the database refuses (a unique name, a foreign key) surfaces as `WriteRefused`."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from switchyard.ports.registry import RegistryTx, WriteRefused
from switchyard.store.database import Database
from switchyard.store.registry_rows import SqlApiKeys, SqlOperators, SqlSites, SqlStations


class SqlRegistryTx:
    """The registry repositories over one session."""

    __slots__ = ("keys", "operators", "sites", "stations")

    def __init__(self, session: AsyncSession) -> None:
        self.operators = SqlOperators(session)
        self.keys = SqlApiKeys(session)
        self.sites = SqlSites(session)
        self.stations = SqlStations(session)


class DatabaseRegistryStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[RegistryTx]:
        try:
            async with self._db.transaction() as session:
                yield SqlRegistryTx(session)
        except IntegrityError as exc:
            raise WriteRefused(str(exc.orig)) from exc

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[RegistryTx]:
        async with self._db.sessions() as session:
            yield SqlRegistryTx(session)
