"""Write-behind for what stations report: the message log, live state, statuses, events, report pages.

The gateway must answer a station in microseconds, so it hands facts to the recorder and moves on;
the recorder writes them in one transaction per batch (every `flush_interval`, or sooner when many
are waiting). Station and connector updates are coalesced: only the newest value of each column is
written. If a batch fails (say a station was deleted meanwhile), its items are retried one by one,
so one bad row never takes the others with it, and each row is either written whole or not at all.
"""

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import bindparam, insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from switchyard.store.database import Database
from switchyard.store.tables import ConnectorState, NotifyReportPage, OcppMessage, SecurityEventRow, Station

log = structlog.get_logger("switchyard.recorder")

# Bounded memory when the database is slow: past this many waiting log rows, new ones are counted
# and dropped (live state is coalesced per station and never dropped).
MAX_PENDING_MESSAGES = 200_000


@dataclass(slots=True)
class _Batch:
    stations: dict[str, dict[str, Any]]
    connectors: dict[tuple[str, int, int], dict[str, Any]]
    messages: list[dict[str, Any]]
    security_events: list[dict[str, Any]]
    report_pages: list[dict[str, Any]]

    @classmethod
    def empty(cls) -> "_Batch":
        return cls({}, {}, [], [], [])

    def __bool__(self) -> bool:
        return bool(self.stations or self.connectors or self.messages or self.security_events or self.report_pages)


class Recorder:
    def __init__(self, database: Database, flush_interval: float = 0.05, batch_size: int = 5000) -> None:
        self._db = database
        self._flush_interval = flush_interval
        self._batch_size = batch_size
        self._batch = _Batch.empty()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._flush_lock = asyncio.Lock()
        self._stopping = False
        self.dropped_messages = 0

    # -- what producers call (synchronous, never blocks) ---------------------------------------

    def station(self, station_id: str, **columns: Any) -> None:
        self._batch.stations.setdefault(station_id, {}).update(columns)
        self._poke(len(self._batch.stations))

    def stations_seen(self, seen: Iterable[tuple[str, datetime]]) -> None:
        for station_id, at in seen:
            self._batch.stations.setdefault(station_id, {})["last_seen_at"] = at

    def connector(self, station_id: str, evse_id: int, connector_id: int, **columns: Any) -> None:
        key = (station_id, evse_id, connector_id)
        row = self._batch.connectors.setdefault(
            key, {"station_id": station_id, "evse_id": evse_id, "connector_id": connector_id}
        )
        row.update(columns)
        self._poke(len(self._batch.connectors))

    def message(self, row: dict[str, Any]) -> None:
        if len(self._batch.messages) >= MAX_PENDING_MESSAGES:
            self.dropped_messages += 1
            return
        self._batch.messages.append(row)
        self._poke(len(self._batch.messages))

    def security_event(self, row: dict[str, Any]) -> None:
        self._batch.security_events.append(row)
        self._poke(len(self._batch.security_events))

    def report_page(self, row: dict[str, Any]) -> None:
        self._batch.report_pages.append(row)
        self._poke(len(self._batch.report_pages))

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
            batch, self._batch = self._batch, _Batch.empty()
            if not batch:
                return
            try:
                async with self._db.transaction() as session:
                    await _write(session, batch)
            except Exception as exc:
                log.warning("recorder batch failed, writing items one by one", error=str(exc))
                await self._write_singly(batch)

    async def _write_singly(self, batch: _Batch) -> None:
        for single in _split(batch):
            try:
                async with self._db.transaction() as session:
                    await _write(session, single)
            except Exception as exc:
                log.error("recorder dropped an item", error=str(exc))


def _split(batch: _Batch) -> Iterable[_Batch]:
    for station_id, columns in batch.stations.items():
        yield _Batch({station_id: columns}, {}, [], [], [])
    for key, row in batch.connectors.items():
        yield _Batch({}, {key: row}, [], [], [])
    for message in batch.messages:
        yield _Batch({}, {}, [message], [], [])
    for event in batch.security_events:
        yield _Batch({}, {}, [], [event], [])
    for page in batch.report_pages:
        yield _Batch({}, {}, [], [], [page])


async def _write(session: AsyncSession, batch: _Batch) -> None:
    # Core statements on the session's connection: executemany without the ORM's bookkeeping.
    connection = await session.connection()
    # Group station updates by column set so each group is one executemany.
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for station_id, columns in batch.stations.items():
        names = tuple(sorted(columns))
        groups.setdefault(names, []).append({"_id": station_id, **columns})
    for names, rows in groups.items():
        statement = (
            update(Station.__table__)  # type: ignore[arg-type]
            .where(Station.__table__.c.id == bindparam("_id"))
            .values({name: bindparam(name) for name in names})
        )
        await connection.execute(statement, rows)
    if batch.connectors:
        await _upsert_connectors(connection, list(batch.connectors.values()))
    if batch.messages:
        await connection.execute(insert(OcppMessage.__table__), batch.messages)  # type: ignore[arg-type]
    if batch.security_events:
        await connection.execute(insert(SecurityEventRow.__table__), batch.security_events)  # type: ignore[arg-type]
    if batch.report_pages:
        await _upsert(connection, NotifyReportPage, batch.report_pages, ("station_id", "request_id", "seq_no"))


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
