"""Rows the store tests start from: an operator and its 1.6 stations, message-log rows, written straight
to the tables."""

from collections.abc import Iterable
from datetime import UTC, datetime

from switchyard.store.database import Database
from switchyard.store.tables import OcppMessage, Operator, Station

NOW = datetime(2026, 1, 1, tzinfo=UTC)


async def add_operator_with_stations(
    database: Database, operator_id: str, stations: Iterable[tuple[str, str]], name: str = "op"
) -> None:
    """One operator and, for each (station id, identity), an accepted, disconnected station of it."""
    async with database.transaction() as session:
        session.add(Operator(id=operator_id, name=name, platform=False, created_at=NOW, updated_at=NOW))
        await session.flush()
        for station_id, identity in stations:
            session.add(
                Station(
                    id=station_id,
                    operator_id=operator_id,
                    identity=identity,
                    ocpp_version="1.6",
                    security_profile=1,
                    registration_state="accepted",
                    connection_state="disconnected",
                    created_at=NOW,
                    updated_at=NOW,
                )
            )


async def add_messages(database: Database, rows: Iterable[tuple[str | None, datetime]]) -> None:
    """Message-log rows (station id, logged at), in this order."""
    async with database.transaction() as session:
        for n, (station_id, at) in enumerate(rows):
            session.add(
                OcppMessage(
                    station_id=station_id,
                    identity="CP",
                    direction="in",
                    message_type=2,
                    action="Heartbeat",
                    message_id=str(n),
                    at=at,
                    payload="{}",
                    size=2,
                )
            )
