"""`ports.retention.RetentionStore` on the database: the message log and webhook events, deleted."""

from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, select

from switchyard.ports.retention import LogGrowth
from switchyard.ports.webhooks import PENDING
from switchyard.store.database import Database
from switchyard.store.tables import OcppMessage, WebhookEvent


class DatabaseRetentionStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def delete_messages_before(self, cutoff: datetime) -> int:
        async with self._db.transaction() as session:
            result = await session.execute(delete(OcppMessage).where(OcppMessage.at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)

    async def delete_finished_events_before(self, cutoff: datetime) -> int:
        # Deliveries and attempts go with their events, by foreign key.
        async with self._db.transaction() as session:
            result = await session.execute(
                delete(WebhookEvent).where(WebhookEvent.created_at < cutoff, WebhookEvent.status != PENDING)
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def message_log_growth(self, after_id: int) -> LogGrowth | None:
        async with self._db.sessions() as session:
            newest = await session.scalar(select(func.max(OcppMessage.id)))
            if newest is None:
                return None
            grown = await session.scalars(select(OcppMessage.station_id).where(OcppMessage.id > after_id).distinct())
            return LogGrowth(newest, list(grown))

    async def trim_station_messages(self, station_id: str | None, keep: int) -> int:
        return await self._trim(OcppMessage.station_id.is_not_distinct_from(station_id), keep)

    async def trim_messages(self, keep: int) -> int:
        return await self._trim(None, keep)

    async def _trim(self, scope: ColumnElement[bool] | None, keep: int) -> int:
        """Delete the rows (of `scope`; None: of the whole log) older than the newest `keep`."""
        where = [] if scope is None else [scope]
        async with self._db.transaction() as session:
            boundary = await session.scalar(
                select(OcppMessage.id).where(*where).order_by(OcppMessage.id.desc()).offset(keep).limit(1)
            )
            if boundary is None:
                return 0
            result = await session.execute(delete(OcppMessage).where(*where, OcppMessage.id <= boundary))
        return int(getattr(result, "rowcount", 0) or 0)
