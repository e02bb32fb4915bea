"""`ports.security.SecurityAlertLog` on the database: a `security_events` row and its webhook event
in one transaction."""

from datetime import datetime

from switchyard.domain import SecurityEvent
from switchyard.ports.outbox import OutboxEvent
from switchyard.store.database import Database
from switchyard.store.outbox import SessionOutbox
from switchyard.store.tables import SecurityEventRow


class DatabaseSecurityAlertLog:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def record(self, station_id: str, event: SecurityEvent, received_at: datetime, announce: OutboxEvent) -> None:
        async with self._db.transaction() as session:
            session.add(
                SecurityEventRow(
                    station_id=station_id,
                    type=event.type,
                    timestamp=event.timestamp,
                    tech_info=event.tech_info,
                    received_at=received_at,
                )
            )
            SessionOutbox(session).add(announce)
