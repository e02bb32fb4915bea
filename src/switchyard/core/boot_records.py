"""What the sequencer remembers of each boot, written for many boots at once.

A boot ends a reboot wait (`ConfigurationState.booted_at`) and, with `read_on_boot`, queues a fresh
whole-configuration read. A reconnect storm brings thousands of boots a second: written one
transaction (and one task) per boot, they queued for SQLite's single writer for many seconds after
the storm, held memory all that time, and starved the gateway of CPU: during a storm a transaction
costs milliseconds of CPU whatever it writes, most of it in the hops to the database thread. Here a
boot is written at once when the node is quiet. During a storm the boots wait until it has passed
(fewer than `STORM` new boots in `MIN_GAP`), at most `MAX_DEFER` seconds or `MAX_WAITING` boots,
so that answering the stations comes first; then everything waiting is written in transactions of
`MAX_BATCH` boots, each a handful of statements whatever its number of boots.
"""

import asyncio
import itertools
import time
from collections.abc import Callable
from datetime import datetime
from functools import partial

import structlog

from switchyard.core.action_targets import ReadTarget, ReadTrigger
from switchyard.core.actions import ActionType, expires_at, queued_action
from switchyard.ports.configuration import ConfigurationStore, ConfigurationTx

log = structlog.get_logger("switchyard.sequencer")

# Boots per transaction at most: each is a bound parameter in an `IN (...)` list, far below SQLite's
# 32766 and PostgreSQL's 65535, and the rows of one transaction are built on the event loop, which
# they hold for about 20 ms per 1,000.
MAX_BATCH = 1000
# More boots than this waiting to be written (or arriving in `MIN_GAP`): a reconnect storm is under way.
STORM = 50
# Seconds between two rounds of writing, outside a storm: a boot waits at most this long.
MIN_GAP = 0.25
# During a storm, the longest a boot waits to be written, and the most boots kept waiting.
MAX_DEFER = 2.0
MAX_WAITING = 10_000
_ATTEMPTS = 3
_RETRY = 0.5  # seconds, times the attempt


class BootRecords:
    """Collects boots and writes them in batches; `recorded` hears which stations were written."""

    def __init__(
        self,
        writes: ConfigurationStore,
        read_on_boot: bool,
        action_expiry: float,
        recorded: Callable[[list[str]], None],
    ) -> None:
        self._writes = writes
        self._read_on_boot = read_on_boot
        self._expiry = action_expiry
        self._recorded = recorded
        # station id -> when it booted (the latest boot, if it booted again before being written)
        self._pending: dict[str, datetime] = {}
        self._writer: asyncio.Task[None] | None = None
        self._last_write = -MIN_GAP
        self._stopping = False

    @property
    def storm(self) -> bool:
        """A reconnect storm is under way: `STORM` or more boots wait to be written."""
        return len(self._pending) >= STORM

    def add(self, station_id: str, booted_at: datetime) -> None:
        if self._stopping:
            return
        self._pending[station_id] = booted_at
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_pending(), name="boot records")

    async def stop(self, grace: float) -> None:
        """Write the boots not written yet, waiting at most `grace` seconds; then stop writing.

        A write under way is never cancelled inside its transaction (the group commit runs it to its
        end): cancelled there, SQLite could be left locked for the node's last flushes."""
        self._stopping = True
        writer, self._writer = self._writer, None
        if writer is not None:
            await asyncio.wait([writer], timeout=grace)
            writer.cancel()
            await asyncio.gather(writer, return_exceptions=True)
        if self._pending:
            log.warning("boots not recorded: the node stopped", stations=len(self._pending))
        self._pending.clear()

    async def _write_pending(self) -> None:
        while self._pending:
            wait = self._last_write + MIN_GAP - time.monotonic()
            if wait > 0 and not self._stopping:
                await asyncio.sleep(wait)  # boots arriving meanwhile join this round
            await self._let_storm_pass()
            self._last_write = time.monotonic()
            while self._pending:
                batch = dict(itertools.islice(self._pending.items(), MAX_BATCH))
                for station_id in batch:
                    del self._pending[station_id]
                written = await self._write_batch(batch)
                if written:
                    self._recorded(written)

    async def _let_storm_pass(self) -> None:
        deadline = time.monotonic() + MAX_DEFER
        while self.storm and not self._stopping and len(self._pending) < MAX_WAITING and time.monotonic() < deadline:
            before = len(self._pending)
            await asyncio.sleep(MIN_GAP)
            if len(self._pending) - before < STORM:
                return

    async def _write_batch(self, boots: dict[str, datetime]) -> list[str]:
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                return await self._writes.write(partial(self._write, boots=boots))
            except Exception:
                if attempt == _ATTEMPTS:
                    break
                # A busy database, or a clash with a lane creating the same state row: try again, or
                # the reboot wait would only end at the station's next boot.
                log.warning("recording boots failed; trying again", stations=len(boots), attempt=attempt)
                await asyncio.sleep(_RETRY * attempt)
        if len(boots) == 1:
            log.exception("recording a boot failed", station_id=next(iter(boots)))
            return []
        # One boot that cannot be written must not cost the others theirs.
        written: list[str] = []
        for station_id, booted_at in boots.items():
            try:
                written += await self._writes.write(partial(self._write, boots={station_id: booted_at}))
            except Exception:
                log.exception("recording a boot failed", station_id=station_id)
        return written

    async def _write(self, tx: ConfigurationTx, boots: dict[str, datetime]) -> list[str]:
        """Note the boots and queue the reads; returns the stations written (deleted ones are skipped)."""
        owners = await tx.stations.operators_of(boots)
        if not owners:
            return []
        await tx.reported.note_boots({station_id: boots[station_id] for station_id in owners})
        if self._read_on_boot:
            queued = await tx.actions.queued_reads(owners)
            await tx.actions.add_many(
                [
                    queued_action(
                        operator_id=operator_id,
                        station_id=station_id,
                        type=ActionType.GET_CONFIGURATION,
                        data={},
                        target=ReadTarget(ReadTrigger.BOOT),
                        now=boots[station_id],
                        expires_at=expires_at(boots[station_id], self._expiry),
                    )
                    for station_id, operator_id in owners.items()
                    if station_id not in queued
                ]
            )
        return list(owners)
