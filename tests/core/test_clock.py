import re
import time
from datetime import UTC, datetime, timedelta, timezone

from switchyard.clock import SystemClock, iso_utc

OCPP_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def test_iso_utc_is_rfc3339_with_milliseconds_in_utc() -> None:
    assert iso_utc(datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)) == "2026-01-02T03:04:05.678Z"
    assert iso_utc(datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2)))) == "2026-01-02T01:04:05.000Z"


def test_now_text_is_the_current_millisecond() -> None:
    clock = SystemClock()
    for _ in range(3):
        before = datetime.now(UTC)
        text = clock.now_text()
        after = datetime.now(UTC)
        assert OCPP_TIME.match(text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        assert before - timedelta(milliseconds=1) <= moment <= after
        time.sleep(0.002)
