"""Group commit: writes share transactions, each caller still gets its own result or error."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from switchyard.store.database import Database
from switchyard.store.group_commit import GroupCommit
from switchyard.store.tables import Operator

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'group.db'}")
    await db.upgrade()
    yield db
    await db.close()


def add_operator(name: str):  # type: ignore[no-untyped-def]
    async def write(session: AsyncSession) -> str:
        session.add(Operator(id=name.ljust(24, "0"), name=name, platform=False, created_at=NOW, updated_at=NOW))
        await session.flush()
        return name

    return write


async def names(database: Database) -> list[str]:
    async with database.sessions() as session:
        return sorted((await session.scalars(select(Operator.name))).all())


async def test_concurrent_writes_share_transactions_and_each_gets_its_result(database: Database) -> None:
    writes = GroupCommit(database)
    commits = 0
    original = database.transaction

    def counting():  # type: ignore[no-untyped-def]
        nonlocal commits
        commits += 1
        return original()

    database.transaction = counting  # type: ignore[method-assign]
    results = await asyncio.gather(*(writes.write(add_operator(f"op{i:02d}")) for i in range(40)))
    assert results == [f"op{i:02d}" for i in range(40)]
    assert await names(database) == [f"op{i:02d}" for i in range(40)]
    assert commits < 40 / 4  # the first alone, then the others together


async def test_a_failing_write_fails_alone(database: Database) -> None:
    writes = GroupCommit(database)
    await writes.write(add_operator("taken"))
    outcomes = await asyncio.gather(
        writes.write(add_operator("first")),
        writes.write(add_operator("a")),
        writes.write(add_operator("taken")),  # unique name: this one fails
        writes.write(add_operator("b")),
        return_exceptions=True,
    )
    assert outcomes[:2] == ["first", "a"]
    assert isinstance(outcomes[2], Exception)
    assert outcomes[3] == "b"
    assert await names(database) == ["a", "b", "first", "taken"]


async def test_drain_waits_for_writes_handed_over(database: Database) -> None:
    writes = GroupCommit(database)
    pending = [asyncio.ensure_future(writes.write(add_operator(f"d{i}"))) for i in range(5)]
    await asyncio.sleep(0)
    await writes.drain()
    assert all(task.done() for task in pending)
    assert await names(database) == [f"d{i}" for i in range(5)]


async def test_a_merged_object_from_elsewhere_is_written_even_when_its_group_fails(database: Database) -> None:
    """Regression: the sequencer added its own copy of an action to the shared session; when another
    write in the group failed, the rollback expired that copy, losing its changes (or failing the
    re-run). Merged, the copy stays out of the session and the re-run writes it."""
    writes = GroupCommit(database)
    await writes.write(add_operator("taken"))
    await writes.write(add_operator("mine"))
    async with database.sessions() as session:
        copy = await session.scalar(select(Operator).where(Operator.name == "mine"))
    assert copy is not None
    copy.platform = True  # changed away from any session, as a lane changes its copy

    async def write_copy(session: AsyncSession) -> str:
        await session.merge(copy)
        await session.flush()
        return "written"

    outcomes = await asyncio.gather(
        writes.write(add_operator("first")),  # the group after this one holds the next three
        writes.write(write_copy),
        writes.write(add_operator("taken")),  # fails: the group is rolled back and run write by write
        return_exceptions=True,
    )
    assert isinstance(outcomes[2], Exception)
    assert outcomes[1] == "written"
    async with database.sessions() as session:
        assert await session.scalar(select(Operator.platform).where(Operator.name == "mine")) is True
