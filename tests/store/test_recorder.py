"""The write-behind recorder: coalescing, and one bad item never takes the batch down with it."""

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from switchyard.ids import new_id
from switchyard.store import recorder as recorder_module
from switchyard.store.database import Database
from switchyard.store.recorder import Backlog, Recorder
from switchyard.store.tables import ConnectorState, OcppMessage, SecurityEventRow, Station
from tests.store.rows import NOW, add_operator_with_stations


async def _database(tmp_path: Path) -> tuple[Database, str]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'r.db'}")
    await database.upgrade()
    station_id = new_id()
    await add_operator_with_stations(database, "o" * 24, [(station_id, "CP-1")])
    return database, station_id


def _message(station_id: str | None, action: str) -> dict[str, object]:
    return {
        "station_id": station_id,
        "identity": "CP-1",
        "direction": "in",
        "message_type": 2,
        "action": action,
        "message_id": "m",
        "at": NOW,
        "payload": "{}",
        "size": 2,
        "truncated": False,
    }


async def test_station_updates_are_coalesced_to_the_newest_values(tmp_path: Path) -> None:
    database, station_id = await _database(tmp_path)
    recorder = Recorder(database)
    recorder.station(station_id, vendor="A", model="M1")
    recorder.station(station_id, vendor="B")
    recorder.connector(station_id, 1, 1, status="Available", updated_at=NOW)
    recorder.connector(station_id, 1, 1, status="Charging", updated_at=NOW)
    await recorder.flush()
    async with database.sessions() as session:
        station = await session.get(Station, station_id)
        assert station is not None
        assert (station.vendor, station.model) == ("B", "M1")
        assert [c.status for c in (await session.scalars(select(ConnectorState))).all()] == ["Charging"]
    await database.close()


async def test_a_bad_item_is_dropped_alone(tmp_path: Path) -> None:
    database, station_id = await _database(tmp_path)
    recorder = Recorder(database)
    recorder.message(_message(station_id, "Before"))
    recorder.connector("f" * 24, 1, 1, status="Available", updated_at=NOW)  # no such station: FK violation
    recorder.message(_message(station_id, "After"))
    recorder.station(station_id, vendor="kept")
    await recorder.flush()
    async with database.sessions() as session:
        actions = [m.action for m in (await session.scalars(select(OcppMessage).order_by(OcppMessage.id))).all()]
        station = await session.get(Station, station_id)
        connectors = (await session.scalars(select(ConnectorState))).all()
    assert actions == ["Before", "After"]
    assert station is not None
    assert station.vendor == "kept"
    assert connectors == []
    await database.close()


async def test_stop_writes_what_is_pending(tmp_path: Path) -> None:
    database, station_id = await _database(tmp_path)
    recorder = Recorder(database, flush_interval=60)
    recorder.start()
    recorder.message(_message(station_id, "Last"))
    await recorder.stop()
    async with database.sessions() as session:
        assert [m.action for m in (await session.scalars(select(OcppMessage))).all()] == ["Last"]
    await database.close()


class _CountingTransactions:
    """Counts the transactions a recorder opens."""

    def __init__(self, database: Database) -> None:
        self.count = 0
        self._transaction = database.transaction
        database.transaction = self  # type: ignore[assignment, method-assign]

    def __call__(self) -> Any:
        self.count += 1
        return self._transaction()


async def test_one_bad_row_among_thousands_costs_a_few_transactions(tmp_path: Path) -> None:
    """Regression: a refused row made the recorder rewrite its whole batch one row per transaction
    (65 s instead of 1.2 s for 30,000 log rows); now the batch is halved down to the bad row."""
    database, station_id = await _database(tmp_path)
    recorder = Recorder(database)
    for n in range(3000):
        recorder.message(_message(station_id, f"A{n}"))
    recorder.connector(station_id, 2**63, 1, status="Available", updated_at=NOW)  # SQLite refuses it
    for n in range(3000):
        recorder.message(_message(station_id, f"B{n}"))
    transactions = _CountingTransactions(database)
    await recorder.flush()
    assert transactions.count <= 2 * 13 + 1, transactions.count  # log2(6001) halvings, two tries each
    assert recorder.refused_items == 1
    async with database.sessions() as session:
        stored = (await session.scalars(select(OcppMessage.action))).all()
    assert len(stored) == 6000
    await database.close()


async def test_log_rows_past_the_byte_budget_are_shed_and_counted(tmp_path: Path) -> None:
    database, station_id = await _database(tmp_path)
    recorder = Recorder(database, max_log_bytes=10_000)
    row = {**_message(station_id, "Big"), "payload": "x" * 4000}
    for _ in range(5):
        recorder.message(dict(row))
    recorder.station(station_id, vendor="state is never shed")
    backlog = recorder.backlog()
    assert (backlog.items, backlog.log_bytes, backlog.shed_messages) == (3, 8000, 3)
    await recorder.flush()
    assert recorder.backlog().items == 0
    recorder.message(dict(row))  # room again once written
    assert recorder.shed_messages == 3
    await database.close()


async def test_events_past_their_limit_make_producers_wait_for_room(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database, station_id = await _database(tmp_path)
    monkeypatch.setattr(recorder_module, "MAX_WAITING_EVENTS", 3)
    recorder = Recorder(database, flush_interval=60)
    event = {"station_id": station_id, "type": "T", "timestamp": "t", "tech_info": None, "received_at": NOW}
    for _ in range(3):
        recorder.security_event(dict(event))
    assert recorder.congested
    assert recorder.backlog().congested
    waiting = asyncio.create_task(recorder.wait_for_room())
    await asyncio.sleep(0.01)
    assert not waiting.done(), "no room until the recorder writes"
    recorder.start()  # wait_for_room woke it: it writes at once, not after its 60 s interval
    await asyncio.wait_for(waiting, 5)
    assert not recorder.congested
    await recorder.stop()
    async with database.sessions() as session:
        assert len((await session.scalars(select(SecurityEventRow))).all()) == 3
    await database.close()


async def test_the_backlog_gauge_reports_age_of_the_oldest_waiting_item(tmp_path: Path) -> None:
    database, station_id = await _database(tmp_path)
    recorder = Recorder(database, flush_interval=60)
    assert recorder.backlog().oldest_seconds == 0.0
    recorder.message(_message(station_id, "Waiting"))
    await asyncio.sleep(0.05)
    assert recorder.backlog().oldest_seconds >= 0.05
    assert recorder.backlog().items == 1
    await recorder.flush()
    assert recorder.backlog() == Backlog(0, 0, 0.0, False, 0, 0)
    await database.close()
