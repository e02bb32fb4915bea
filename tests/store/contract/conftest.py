"""The databases every repository contract test runs on: SQLite always, PostgreSQL when
SWITCHYARD_TEST_POSTGRES names a server (each test then gets a database of its own, dropped after)."""

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from switchyard.store.database import Database
from tests.support import POSTGRES

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=pytest.mark.skipif(not POSTGRES, reason="set SWITCHYARD_TEST_POSTGRES to run on PostgreSQL"),
    ),
]


@pytest.fixture(params=BACKENDS)
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """An empty, migrated database."""
    if request.param == "sqlite":
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'contract.db'}")
        await db.upgrade()
        try:
            yield db
        finally:
            await db.close()
        return
    assert POSTGRES is not None
    admin = make_url(POSTGRES)
    name = f"sy_contract_{uuid.uuid4().hex[:12]}"
    engine = create_async_engine(admin, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database(admin.set(database=name).render_as_string(hide_password=False))
    try:
        await db.upgrade()
        yield db
    finally:
        await db.close()
        async with engine.connect() as connection:
            await connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        await engine.dispose()
