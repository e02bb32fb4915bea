"""The Alembic migrations create exactly the tables the code declares."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from switchyard.store import config_tables, fleet_job_tables  # noqa: F401  (their tables are part of the schema)
from switchyard.store.database import Database
from switchyard.store.tables import Base


async def test_migrations_match_the_models(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    await database.upgrade()
    await database.upgrade()  # idempotent

    def diff(connection: Connection) -> list[object]:
        return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))

    async with database.engine.connect() as connection:
        assert await connection.run_sync(diff) == []
    await database.close()


async def test_the_sqlite_file_and_its_folder_are_created(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'new' / 'dir' / 's.db'}")
    await database.upgrade()
    await database.close()
    assert (tmp_path / "new" / "dir" / "s.db").exists()


async def test_sqlite_timestamps_round_trip_and_sort_as_instants(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta, timezone

    from sqlalchemy import select, text

    from switchyard.store.tables import Operator

    database = Database(f"sqlite+aiosqlite:///{tmp_path / 't.db'}")
    await database.upgrade()
    moments = [
        datetime(2026, 1, 1, 12, 0, 0, 5, tzinfo=UTC),
        datetime(2026, 1, 1, 13, 30, tzinfo=timezone(timedelta(hours=2))),  # 11:30 UTC
        datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ]
    async with database.transaction() as session:
        for index, moment in enumerate(moments):
            session.add(
                Operator(id=f"{index:024d}", name=f"op{index}", platform=False, created_at=moment, updated_at=moment)
            )
    async with database.sessions() as session:
        ordered = (await session.scalars(select(Operator).order_by(Operator.created_at))).all()
        raw = (await session.execute(text("SELECT created_at FROM operators ORDER BY id"))).scalars().all()
    assert [o.created_at for o in ordered] == sorted(moments)
    assert all(o.created_at.tzinfo is UTC for o in ordered)
    assert raw[1] == "2026-01-01T11:30:00.000000"
    await database.close()
