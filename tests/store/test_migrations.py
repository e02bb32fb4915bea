"""The Alembic migrations create exactly the tables the code declares."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

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
