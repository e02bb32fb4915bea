"""Deletes what is kept only for a while: once an hour, message-log rows past their retention and
webhook events that are done (delivered, failed or matched by no subscription) with their deliveries
and attempts; every minute, message-log rows past their budgets (per station, and in all), oldest
first, so a station that floods the log fills its own budget and nothing else."""

import asyncio
import contextlib
import time
from datetime import timedelta

import structlog

from switchyard.clock import Clock
from switchyard.ports.retention import RetentionStore

log = structlog.get_logger("switchyard.retention")


class Retention:
    def __init__(
        self,
        store: RetentionStore,
        clock: Clock,
        message_days: float,
        webhook_event_days: float,
        every_seconds: float = 3600.0,
        station_rows: int = 5000,
        total_rows: int = 1_000_000,
        trim_every_seconds: float = 60.0,
    ) -> None:
        self._store = store
        self._clock = clock
        self._keep_messages = timedelta(days=message_days)
        self._keep_events = timedelta(days=webhook_event_days)
        self._every = every_seconds
        self._station_rows = station_rows
        self._total_rows = total_rows
        self._trim_every = trim_every_seconds
        # Rows up to this id were within their station's budget at the last trim.
        self._trimmed_up_to = 0
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    async def purge(self) -> int:
        """Message-log rows older than their retention; how many were deleted."""
        cutoff = self._clock.now() - self._keep_messages
        removed = await self._store.delete_messages_before(cutoff)
        if removed:
            log.info("message log purged", rows=removed, older_than=cutoff.isoformat())
        return removed

    async def purge_webhook_events(self) -> int:
        """Finished webhook events older than their retention (deliveries and attempts go with them);
        an event still being delivered is kept, however old."""
        cutoff = self._clock.now() - self._keep_events
        removed = await self._store.delete_finished_events_before(cutoff)
        if removed:
            log.info("webhook events purged", events=removed, older_than=cutoff.isoformat())
        return removed

    async def trim_message_log(self) -> int:
        """Message-log rows past the per-station and total budgets, oldest first; how many were deleted."""
        # Only stations that logged since the last trim can be over their budget now.
        growth = await self._store.message_log_growth(self._trimmed_up_to)
        if growth is None:
            return 0
        removed = 0
        for station_id in growth.stations:
            removed += await self._store.trim_station_messages(station_id, self._station_rows)
        removed += await self._store.trim_messages(self._total_rows)
        self._trimmed_up_to = growth.newest
        if removed:
            log.info("message log trimmed to its budgets", rows=removed)
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
        next_purge = 0.0
        while not self._stop.is_set():
            jobs = [self.trim_message_log]
            if time.monotonic() >= next_purge:
                jobs += [self.purge, self.purge_webhook_events]
                next_purge = time.monotonic() + self._every
            for job in jobs:
                try:
                    await job()
                except Exception:
                    log.exception("retention job failed", job=job.__name__)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(self._every, self._trim_every)):
                    await self._stop.wait()
