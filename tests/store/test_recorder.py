"""The write-behind recorder: coalescing, and one bad item never takes the batch down with it."""

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from switchyard.ids import new_id
from switchyard.store.database import Database
from switchyard.store.recorder import Recorder
from switchyard.store.tables import ConnectorState, OcppMessage, Operator, Station

NOW = datetime(2026, 1, 1, tzinfo=UTC)


async def _database(tmp_path: Path) -> tuple[Database, str]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'r.db'}")
    await database.upgrade()
    station_id = new_id()
    async with database.transaction() as session:
        session.add(Operator(id="o" * 24, name="op", platform=False, created_at=NOW, updated_at=NOW))
        await session.flush()
        session.add(
            Station(
                id=station_id,
                operator_id="o" * 24,
                identity="CP-1",
                ocpp_version="1.6",
                security_profile=1,
                registration_state="accepted",
                connection_state="disconnected",
                created_at=NOW,
                updated_at=NOW,
            )
        )
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
