"""Guarantees the database itself keeps, whatever the code above it does."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from switchyard.store.database import Database
from switchyard.store.tables import Operator, Station

NOW = datetime(2026, 1, 1, tzinfo=UTC)


async def test_an_operator_with_stations_cannot_be_deleted(tmp_path: Path) -> None:
    """Regression: the foreign key cascaded, so a station added while its operator was being deleted
    vanished with it."""
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")
    await database.upgrade()
    async with database.transaction() as session:
        session.add(Operator(id="a" * 24, name="op", platform=False, created_at=NOW, updated_at=NOW))
        await session.flush()
        session.add(
            Station(
                id="b" * 24,
                operator_id="a" * 24,
                identity="CP-1",
                ocpp_version="1.6",
                security_profile=1,
                registration_state="accepted",
                connection_state="disconnected",
                created_at=NOW,
                updated_at=NOW,
            )
        )
    with pytest.raises(IntegrityError):
        async with database.transaction() as session:
            await session.execute(delete(Operator).where(Operator.id == "a" * 24))
    async with database.sessions() as session:
        assert await session.get(Station, "b" * 24) is not None
    await database.close()
