"""Guarantees the database itself keeps, whatever the code above it does."""

from pathlib import Path

import pytest
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from switchyard.store.database import Database
from switchyard.store.tables import Operator, Station
from tests.store.rows import add_operator_with_stations


async def test_an_operator_with_stations_cannot_be_deleted(tmp_path: Path) -> None:
    """Regression: the foreign key cascaded, so a station added while its operator was being deleted
    vanished with it."""
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")
    await database.upgrade()
    await add_operator_with_stations(database, "a" * 24, [("b" * 24, "CP-1")])
    with pytest.raises(IntegrityError):
        async with database.transaction() as session:
            await session.execute(delete(Operator).where(Operator.id == "a" * 24))
    async with database.sessions() as session:
        assert await session.get(Station, "b" * 24) is not None
    await database.close()
