"""Where Switchyard's own security findings about a station are kept: a security event in the
station's log and the webhook event that tells its operator, written together."""

from datetime import datetime
from typing import Protocol

from switchyard.domain import SecurityEvent
from switchyard.ports.outbox import OutboxEvent


class SecurityAlertLog(Protocol):
    async def record(self, station_id: str, event: SecurityEvent, received_at: datetime, announce: OutboxEvent) -> None:
        """The station's security event and `announce` in one transaction (neither without the
        other); the dispatcher is woken once it has committed."""
        ...
