"""`ports.webhooks.WebhookStore` on the database: subscriptions, events and deliveries over one
session at a time."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession

from switchyard.ports.webhooks import WebhookTx
from switchyard.store.database import Database
from switchyard.store.delivery_rows import SqlDeliveries
from switchyard.store.webhook_rows import SqlEvents, SqlSubscriptions


class SqlWebhookTx:
    """The webhook repositories over one session (each made when first used)."""

    __slots__ = ("_deliveries", "_events", "_session", "_subscriptions")

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._subscriptions: SqlSubscriptions | None = None
        self._events: SqlEvents | None = None
        self._deliveries: SqlDeliveries | None = None

    @property
    def subscriptions(self) -> SqlSubscriptions:
        if self._subscriptions is None:
            self._subscriptions = SqlSubscriptions(self._session)
        return self._subscriptions

    @property
    def events(self) -> SqlEvents:
        if self._events is None:
            self._events = SqlEvents(self._session)
        return self._events

    @property
    def deliveries(self) -> SqlDeliveries:
        if self._deliveries is None:
            self._deliveries = SqlDeliveries(self._session)
        return self._deliveries


class DatabaseWebhookStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[WebhookTx]:
        async with self._db.transaction() as session:
            yield SqlWebhookTx(session)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[WebhookTx]:
        async with self._db.sessions() as session:
            yield SqlWebhookTx(session)
