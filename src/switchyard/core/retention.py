"""Deletes what is kept only for a while, once an hour: message-log rows, and webhook events that are
done (delivered, failed or matched by no subscription) with their deliveries and attempts."""

import asyncio
import contextlib
from datetime import timedelta

import structlog
from sqlalchemy import delete

from switchyard.clock import Clock
from switchyard.store.database import Database
from switchyard.store.tables import OcppMessage, WebhookEvent

log = structlog.get_logger("switchyard.retention")


class Retention:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        message_days: float,
        webhook_event_days: float,
        every_seconds: float = 3600.0,
    ) -> None:
        self._db = database
        self._clock = clock
        self._keep_messages = timedelta(days=message_days)
        self._keep_events = timedelta(days=webhook_event_days)
        self._every = every_seconds
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    async def purge(self) -> int:
        """Message-log rows older than their retention; how many were deleted."""
        cutoff = self._clock.now() - self._keep_messages
        async with self._db.transaction() as session:
            result = await session.execute(delete(OcppMessage).where(OcppMessage.at < cutoff))
        removed = int(getattr(result, "rowcount", 0) or 0)
        if removed:
            log.info("message log purged", rows=removed, older_than=cutoff.isoformat())
        return removed

    async def purge_webhook_events(self) -> int:
        """Finished webhook events older than their retention (deliveries and attempts go with them,
        by foreign key); an event still being delivered is kept, however old."""
        cutoff = self._clock.now() - self._keep_events
        async with self._db.transaction() as session:
            result = await session.execute(
                delete(WebhookEvent).where(WebhookEvent.created_at < cutoff, WebhookEvent.status != "pending")
            )
        removed = int(getattr(result, "rowcount", 0) or 0)
        if removed:
            log.info("webhook events purged", events=removed, older_than=cutoff.isoformat())
        return removed

    def start(self) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(self._run(), name="retention")

    async def stop(self) -> None:
        """Let a purge under way finish (cancelling it could leave a transaction open)."""
        self._stop.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _run(self) -> None:
        while not self._stop.is_set():
            for purge in (self.purge, self.purge_webhook_events):
                try:
                    await purge()
                except Exception:
                    log.exception("purge failed", purge=purge.__name__)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._every):
                    await self._stop.wait()
