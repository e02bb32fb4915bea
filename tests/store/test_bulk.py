"""Bulk statements on SQLite store exactly what SQLAlchemy's executemany stores, column types included."""

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import bindparam, insert, update
from sqlalchemy.exc import IntegrityError

from switchyard.store.bulk import BulkStatements
from switchyard.store.database import Database
from switchyard.store.tables import OcppMessage, Station
from tests.store.rows import NOW, add_operator_with_stations

COLUMNS = ("station_id", "identity", "direction", "message_type", "action", "message_id", "at", "payload", "size")


async def _database(tmp_path: Path) -> Database:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'b.db'}")
    await database.upgrade()
    await add_operator_with_stations(database, "o" * 24, [(f"s{n}".ljust(24, "0"), f"CP-{n}") for n in range(2)])
    return database


def _messages(tag: str) -> list[dict[str, Any]]:
    # Aware datetimes in two zones, a boolean, a NULL and text outside ASCII: every conversion on the way.
    at = (NOW, datetime(2026, 1, 1, 2, 30, tzinfo=timezone(timedelta(hours=2))))
    return [
        {
            "station_id": None if n == 1 else "s0".ljust(24, "0"),
            "identity": f"{tag}-{n}",
            "direction": "in",
            "message_type": 2,
            "action": "DataTransfer",
            "message_id": f"m{n}",
            "at": at[n],
            "payload": '{"data": "Zürich ⚡"}',
            "size": 20 + n,
            "truncated": n == 1,
        }
        for n in range(2)
    ]


async def _stored(database: Database, tag: str) -> list[tuple[Any, ...]]:
    sql = f"SELECT {', '.join(COLUMNS)}, truncated FROM ocpp_messages WHERE identity LIKE ? ORDER BY identity"  # noqa: S608
    return [tuple(row) for row in await database.sqlite_read(sql, [f"{tag}-%"])]


async def test_inserts_store_the_same_values_as_sqlalchemy(tmp_path: Path) -> None:
    database = await _database(tmp_path)
    bulk = BulkStatements()
    async with database.transaction() as session:
        connection = await session.connection()
        await connection.execute(insert(OcppMessage.__table__), _messages("core"))  # type: ignore[arg-type]
        keys = tuple(_messages("bulk")[0])
        for _ in range(2):  # the second run reuses the compiled plan
            await bulk.execute(connection, "m", lambda: insert(OcppMessage.__table__), keys, _messages("bulk"))  # type: ignore[arg-type]
    core, fast = await _stored(database, "core"), await _stored(database, "bulk")

    def without_identity(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        return [row[:1] + row[2:] for row in rows]

    # Ordered by identity: bulk-0 twice, then bulk-1 twice.
    assert without_identity(fast) == without_identity([core[0], core[0], core[1], core[1]])
    assert core[0][6] == "2026-01-01T00:00:00.000000"
    assert core[1][6] == "2026-01-01T00:30:00.000000"  # converted to UTC
    assert [row[-1] for row in core] == [0, 1]
    await database.close()


async def test_updates_bind_by_name_and_a_refused_row_raises_as_with_sqlalchemy(tmp_path: Path) -> None:
    database = await _database(tmp_path)
    bulk = BulkStatements()
    names = ("connection_state", "last_seen_at")

    def statement() -> Any:
        table = Station.__table__
        return update(table).where(table.c.id == bindparam("_id")).values({n: bindparam(n) for n in names})

    rows = [
        {"_id": "s1".ljust(24, "0"), "connection_state": "connected", "last_seen_at": NOW + timedelta(seconds=1)},
        {"_id": "s0".ljust(24, "0"), "connection_state": "connected", "last_seen_at": NOW},
    ]
    async with database.transaction() as session:
        await bulk.execute(await session.connection(), "u", statement, names, rows)
    stored = await database.sqlite_read("SELECT id, connection_state, last_seen_at FROM stations ORDER BY id", [])
    assert [tuple(row) for row in stored] == [
        ("s0".ljust(24, "0"), "connected", "2026-01-01T00:00:00.000000"),
        ("s1".ljust(24, "0"), "connected", "2026-01-01T00:00:01.000000"),
    ]
    refused = [{**rows[0], "connection_state": None}]  # the column is NOT NULL
    with pytest.raises(IntegrityError):
        async with database.transaction() as session:
            await bulk.execute(await session.connection(), "u", statement, names, refused)
    await database.close()
