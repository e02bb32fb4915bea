"""The webhook outbox as core writes to it: one event row in the writer's open transaction.

Core builds the event (its envelope, with secrets masked: `core/webhooks/outbox.py`); the store
adds the row to the transaction it belongs to, and wakes the dispatcher once that transaction has
committed. An event whose transaction rolls back never existed.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    id: str
    operator_id: str
    station_id: str | None
    type: str
    # The signed envelope as sent, JSON text.
    payload: str
    created_at: datetime


class EventOutbox(Protocol):
    def add(self, event: OutboxEvent) -> None:
        """Write `event` in the open transaction (committed, or rolled back, with it)."""
        ...
