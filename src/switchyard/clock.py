"""Time, injected so that tests and state machines never read the wall clock behind our back."""

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def iso_utc(moment: datetime) -> str:
    """RFC 3339 with millisecond precision and a `Z`, the form OCPP examples and the eDRV API use."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    # isoformat is implemented in C; strftime costs a heartbeat's worth of time on the hot path.
    return moment.isoformat(timespec="milliseconds")[:-6] + "Z"
