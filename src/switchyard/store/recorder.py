"""Write-behind for what stations report: the message log, live state, statuses, events, report pages.

The gateway must answer a station in microseconds, so it hands facts to the recorder and moves on;
the recorder writes them in one transaction per batch (every `flush_interval`, or sooner when many
are waiting). Station and connector updates are coalesced: only the newest value of each column is
written.

Everything waiting is bounded:
- live state is coalesced per station and connector, so it is bounded by the fleet;
- message-log rows may be shed: past `max_log_bytes` of waiting payloads, new rows are counted and
  dropped (the log is a diagnostic, and the facts in it are also recorded as state);
- security events and report pages are state that matters and are never shed: past their limits the
  recorder is `congested`, and the handlers that produce them wait for room, which holds the
  sending station back (its socket stops being read) instead of growing memory.

If a batch fails (a station deleted meanwhile, a value the database refuses), it is split in halves
and each half tried again, down to the single item the database refuses, which is dropped, counted
and logged; one bad row costs a few extra transactions, not one transaction per row.
"""

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

import structlog
from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.expression import Update

from switchyard.store.bulk import BulkStatements
from switchyard.store.database import Database
from switchyard.store.tables import ConnectorState, NotifyReportPage, OcppMessage, SecurityEventRow, Station

log = structlog.get_logger("switchyard.recorder")

# Message-log payload bytes that may wait; past this, new log rows are shed.
MAX_LOG_BYTES = 32 * 1024 * 1024
# Security events and report pages that may wait before their producers are made to wait.
MAX_WAITING_EVENTS = 10_000
MAX_WAITING_PAGES = 1_000
_ERROR_TEXT = 300


@dataclass(frozen=True, slots=True)
class Backlog:
    """The recorder's gauge (served by /healthz)."""

    items: int
    log_bytes: int
    oldest_seconds: float
    congested: bool
    shed_messages: int
    refused_items: int


@dataclass(slots=True)
class _Batch:
    stations: dict[str, dict[str, Any]] = field(default_factory=dict)
    connectors: dict[tuple[str, int, int], dict[str, Any]] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)
    security_events: list[dict[str, Any]] = field(default_factory=list)
    report_pages: list[dict[str, Any]] = field(default_factory=list)

    def __len__(self) -> int:
        return (
            len(self.stations)
            + len(self.connectors)
            + len(self.messages)
            + len(self.security_events)
            + len(self.report_pages)
        )

    def halves(self) -> tuple["_Batch", "_Batch"]:
        """Two batches with about half the items each (a failing batch is narrowed down this way)."""
        items = list(self._items())
        middle = len(items) // 2
        return _Batch.of(items[:middle]), _Batch.of(items[middle:])

    def describe(self) -> str:
        kinds = [
            name
            for name, part in (
                ("station", self.stations),
                ("connector", self.connectors),
                ("message-log row", self.messages),
                ("security event", self.security_events),
                ("report page", self.report_pages),
            )
            if part
        ]
        return ", ".join(kinds)

    def _items(self) -> Iterable[tuple[str, Any, Any]]:
        yield from (("station", key, row) for key, row in self.stations.items())
        yield from (("connector", key, row) for key, row in self.connectors.items())
        yield from (("message", None, row) for row in self.messages)
        yield from (("security_event", None, row) for row in self.security_events)
        yield from (("report_page", None, row) for row in self.report_pages)

    @classmethod
    def of(cls, items: list[tuple[str, Any, Any]]) -> "_Batch":
        batch = cls()
        for kind, key, row in items:
            if kind == "station":
                batch.stations[key] = row
            elif kind == "connector":
                batch.connectors[key] = row
            elif kind == "message":
                batch.messages.append(row)
            elif kind == "security_event":
                batch.security_events.append(row)
            else:
                batch.report_pages.append(row)
        return batch


class Recorder:
    def __init__(
        self,
        database: Database,
        flush_interval: float = 0.05,
        batch_size: int = 5000,
        max_log_bytes: int = MAX_LOG_BYTES,
    ) -> None:
        self._db = database
        self._flush_interval = flush_interval
        self._batch_size = batch_size
        self._max_log_bytes = max_log_bytes
        self._batch = _Batch()
        self._bulk = BulkStatements()
        self._log_bytes = 0
        # When the oldest item of the waiting batch, and of the batch being written, arrived.
        self._waiting_since: float | None = None
        self._writing_since: float | None = None
        self._writing_items = 0
        self._wake = asyncio.Event()
        self._room = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._flush_lock = asyncio.Lock()
        self._stopping = False
        self.shed_messages = 0
        self.refused_items = 0

    # -- what producers call (synchronous, never blocks) ---------------------------------------

    def station(self, station_id: str, **columns: Any) -> None:
        self._arrived()
        self._batch.stations.setdefault(station_id, {}).update(columns)
        self._poke(len(self._batch.stations))

    # -- ports.ConnectionLog ------------------------------------------------------------------

    def connected(self, station_id: str, node: str, at: datetime) -> None:
        self.station(station_id, connection_state="connected", connected_node=node, connected_at=at, last_seen_at=at)

    def disconnected(self, station_id: str, last_seen: datetime) -> None:
        self.station(station_id, connection_state="disconnected", connected_node=None, last_seen_at=last_seen)

    def seen(self, seen: Iterable[tuple[str, datetime]]) -> None:
        for station_id, at in seen:
            self._arrived()
            self._batch.stations.setdefault(station_id, {})["last_seen_at"] = at

    def connector(self, station_id: str, evse_id: int, connector_id: int, **columns: Any) -> None:
        self._arrived()
        key = (station_id, evse_id, connector_id)
        row = self._batch.connectors.setdefault(
            key, {"station_id": station_id, "evse_id": evse_id, "connector_id": connector_id}
        )
        row.update(columns)
        self._poke(len(self._batch.connectors))

    def message(self, row: dict[str, Any]) -> None:
        size = len(row["payload"])
        if self._log_bytes + size > self._max_log_bytes:
            self.shed_messages += 1
            return
        self._arrived()
        self._log_bytes += size
        self._batch.messages.append(row)
        self._poke(len(self._batch.messages))

    def security_event(self, row: dict[str, Any]) -> None:
        self._arrived()
        self._batch.security_events.append(row)
        self._poke(len(self._batch.security_events))

    def report_page(self, row: dict[str, Any]) -> None:
        self._arrived()
        self._batch.report_pages.append(row)
        self._poke(len(self._batch.report_pages))

    @property
    def congested(self) -> bool:
        """Security events or report pages are waiting past their limits: their producers should wait."""
        batch = self._batch
        return len(batch.security_events) >= MAX_WAITING_EVENTS or len(batch.report_pages) >= MAX_WAITING_PAGES

    async def wait_for_room(self) -> None:
        """Return once the recorder is no longer congested (after a flush made room)."""
        while self.congested:
            self._wake.set()
            self._room.clear()
            await self._room.wait()

    def backlog(self) -> Backlog:
        started = [t for t in (self._waiting_since, self._writing_since) if t is not None]
        return Backlog(
            items=len(self._batch) + self._writing_items,
            log_bytes=self._log_bytes,
            oldest_seconds=time.monotonic() - min(started) if started else 0.0,
            congested=self.congested,
            shed_messages=self.shed_messages,
            refused_items=self.refused_items,
        )

    def _arrived(self) -> None:
        if self._waiting_since is None:
            self._waiting_since = time.monotonic()

    def _poke(self, size: int) -> None:
        if size >= self._batch_size:
            self._wake.set()

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="recorder")

    async def stop(self) -> None:
        """Finish the flush under way (cancelling it could leave a transaction open), then write the rest."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None
        await self.flush()

    async def _run(self) -> None:
        while not self._stopping:
            try:
                async with asyncio.timeout(self._flush_interval):
                    await self._wake.wait()
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                await self.flush()
            except Exception:
                log.exception("recorder flush failed")
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(1.0):
                        await self._wake.wait()

    async def flush(self) -> None:
        """Write everything handed over so far."""
        async with self._flush_lock:
            batch, self._batch = self._batch, _Batch()
            self._writing_since, self._waiting_since = self._waiting_since, None
            self._writing_items, self._log_bytes = len(batch), 0
            self._room.set()  # producers that waited for room may hand over again
            try:
                if batch:
                    await self._write_isolating(batch)
            finally:
                self._writing_since, self._writing_items = None, 0

    async def _write_isolating(self, batch: _Batch) -> None:
        parts = [batch]
        while parts:
            part = parts.pop()
            try:
                async with self._db.transaction() as session:
                    await _write(session, part, self._bulk)
            except Exception as exc:
                if len(part) > 1:
                    first, second = part.halves()
                    parts += [second, first]
                    continue
                self.refused_items += 1
                log.error("recorder dropped an item the database refused", item=part.describe(), error=_short(exc))


def _short(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= _ERROR_TEXT else text[:_ERROR_TEXT] + "…"


async def _write(session: AsyncSession, batch: _Batch, bulk: BulkStatements) -> None:
    # Core statements on the session's connection: executemany without the ORM's bookkeeping (and on
    # SQLite without SQLAlchemy's per-row parameter work, store/bulk.py).
    connection = await session.connection()
    # Group station updates by column set so each group is one executemany.
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for station_id, columns in batch.stations.items():
        names = tuple(sorted(columns))
        groups.setdefault(names, []).append({"_id": station_id, **columns})
    for names, rows in groups.items():
        await bulk.execute(connection, ("stations", names), partial(_station_update, names), names, rows)
    if batch.connectors:
        await _upsert_connectors(connection, list(batch.connectors.values()))
    for model, rows in ((OcppMessage, batch.messages), (SecurityEventRow, batch.security_events)):
        # Every row of one kind has the same keys (each comes from one producer).
        if rows:
            await _insert(connection, bulk, model.__table__, rows)  # type: ignore[arg-type]
    if batch.report_pages:
        await _upsert(connection, NotifyReportPage, batch.report_pages, ("station_id", "request_id", "seq_no"))


async def _insert(connection: AsyncConnection, bulk: BulkStatements, table: Table, rows: list[dict[str, Any]]) -> None:
    keys = tuple(rows[0])
    await bulk.execute(connection, (table.name, keys), lambda: insert(table), keys, rows)


def _station_update(names: tuple[str, ...]) -> Update:
    return (
        update(Station.__table__)  # type: ignore[arg-type]
        .where(Station.__table__.c.id == bindparam("_id"))
        .values({name: bindparam(name) for name in names})
    )


async def _upsert_connectors(connection: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    # Rows differ in which columns they carry; upsert each shape separately.
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        shapes.setdefault(tuple(sorted(row)), []).append(row)
    for same in shapes.values():
        await _upsert(connection, ConnectorState, same, ("station_id", "evse_id", "connector_id"))


async def _upsert(connection: AsyncConnection, table: Any, rows: list[dict[str, Any]], keys: tuple[str, ...]) -> None:
    dialect = connection.dialect.name
    make: Callable[..., Any] = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = make(table.__table__)
    updates = {name: statement.excluded[name] for name in rows[0] if name not in keys}
    await connection.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=updates), rows)
