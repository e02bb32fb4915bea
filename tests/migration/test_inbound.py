"""Node B as the new CSMS of an inbound migration (issue 10, point 4): the stations it expects are
registered up front with their credentials, the ones node A moves arrive, the one it never moves is
reported when the deadline passes, and each arrival's old slot is cleaned up from B's side."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from switchyard.clock import SystemClock
from tests.migration.conftest import FAST
from tests.migration.support import ended, wait_for_migration
from tests.support import PASSWORD_16, RunningNode, running_node


async def expect_arrivals(node: RunningNode, body: dict[str, Any]) -> dict[str, Any]:
    response = await node.api.post("/v1.1/migrations/inbound", json=body, headers=node.auth())
    assert response.status_code == 201, response.text
    return response.json()["result"]  # type: ignore[no-any-return]


class LaggingClock(SystemClock):
    """A wall clock that runs at half the speed of the event loop's timers: what a clock slewed by NTP
    does, in the small, against the monotonic clock asyncio waits with."""

    def __init__(self) -> None:
        super().__init__()
        self._start = datetime.now(UTC)

    def now(self) -> datetime:
        return self._start + (datetime.now(UTC) - self._start) / 2


async def test_a_station_that_never_arrives_fails_at_the_deadline_even_if_the_clock_lags(tmp_path: Path) -> None:
    """The wait for the station ends on the event loop's timer; the wall clock may not have reached the
    deadline yet at that moment. That is still the deadline, not a cancel."""
    async with running_node(tmp_path, clock=LaggingClock(), **FAST) as node:
        expected = [{"identity": "IN-LATE", "ocppVersion": "1.6", "securityProfile": 1, "password": PASSWORD_16}]
        inbound = await expect_arrivals(node, {"stations": expected, "deadlineSeconds": 1})
        done = await wait_for_migration(node, inbound["_id"], ended)
    (station,) = done["stations"]
    assert (station["state"], station["reason"]) == ("failed", "did not arrive within 1 s")
