"""Time, injected so that tests and state machines never read the wall clock behind our back."""

import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...

    def now_text(self) -> str:
        """Now as OCPP writes it: RFC 3339, milliseconds, `Z`."""
        ...


class SystemClock:
    def __init__(self) -> None:
        self._text_ms = -1
        self._text = ""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def now_text(self) -> str:
        # Every answer to a Heartbeat or BootNotification carries the time; formatting it once per
        # millisecond instead of once per answer is a tenth of a heartbeat's server time.
        now = time.time()
        millisecond = int(now * 1000)
        if millisecond != self._text_ms:
            self._text_ms = millisecond
            self._text = iso_utc(datetime.fromtimestamp(now, UTC))
        return self._text


def iso_utc(moment: datetime) -> str:
    """RFC 3339 with millisecond precision and a `Z`, the form OCPP examples and the eDRV API use."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="milliseconds")[:-6] + "Z"
