"""What is kept only for a while: the message log and finished webhook events, deleted by the
retention job (`core/retention.py` decides when and how much; these only delete). Each call is a
transaction of its own. `store/retention_rows.py` implements it; tests/store/contract/ checks it."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class LogGrowth:
    """The message log's newest row id, and the stations (None: frames of no known station) with
    rows after the id asked about."""

    newest: int
    stations: list[str | None]


class RetentionStore(Protocol):
    async def delete_messages_before(self, cutoff: datetime) -> int:
        """Message-log rows logged before `cutoff`; how many were deleted."""
        ...

    async def delete_finished_events_before(self, cutoff: datetime) -> int:
        """Webhook events created before `cutoff` that are not pending, with their deliveries and
        attempts; how many events were deleted."""
        ...

    async def message_log_growth(self, after_id: int) -> LogGrowth | None:
        """None when the log is empty."""
        ...

    async def trim_station_messages(self, station_id: str | None, keep: int) -> int:
        """The station's message-log rows older than its newest `keep`; how many were deleted."""
        ...

    async def trim_messages(self, keep: int) -> int:
        """Message-log rows older than the newest `keep`; how many were deleted."""
        ...
