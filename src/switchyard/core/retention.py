"""Deletes message-log rows older than the retention period, once an hour."""

import asyncio
import contextlib
from datetime import timedelta

import structlog
from sqlalchemy import delete

from switchyard.clock import Clock
from switchyard.store.database import Database
from switchyard.store.tables import OcppMessage

log = structlog.get_logger("switchyard.retention")


class MessageRetention:
    def __init__(self, database: Database, days: float, clock: Clock, every_seconds: float = 3600.0) -> None:
        self._db = database
        self._keep = timedelta(days=days)
        self._clock = clock
        self._every = every_seconds
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    async def purge(self) -> int:
        cutoff = self._clock.now() - self._keep
        async with self._db.transaction() as session:
            result = await session.execute(delete(OcppMessage).where(OcppMessage.at < cutoff))
        removed = int(getattr(result, "rowcount", 0) or 0)
        if removed:
            log.info("message log purged", rows=removed, older_than=cutoff.isoformat())
        return removed

    def start(self) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(self._run(), name="message-retention")

    async def stop(self) -> None:
        """Let a purge under way finish (cancelling it could leave a transaction open)."""
        self._stop.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                await self.purge()
            except Exception:
                log.exception("message log purge failed")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._every):
                    await self._stop.wait()
