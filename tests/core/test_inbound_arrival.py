"""An inbound migration's wait for one expected station (`InboundDriver`), with its ports faked: what
the node has on record of the station's boots, and whether it is connected here."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from switchyard.bus.local import LocalBus
from switchyard.clock import SystemClock
from switchyard.core.fleet_jobs.runner import MemberSignals
from switchyard.core.fleet_jobs.waves import MemberState
from switchyard.core.migration.inbound import InboundDriver
from switchyard.core.migration.station_watch import StationWatch
from switchyard.ports.fleet_jobs import JobRecord, MemberRecord
from switchyard.ports.outbox import OutboxEvent

CLOCK = SystemClock()


class Records:
    """What the driver writes: the member after each step, and the events."""

    def __init__(self) -> None:
        self.members: list[MemberRecord] = []
        self.events: list[OutboxEvent] = []

    async def update_member(self, member: MemberRecord) -> None:
        self.members.append(member)

    @property
    def outbox(self) -> "Records":
        return self

    def add(self, event: OutboxEvent) -> None:
        self.events.append(event)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator["Records"]:
        yield self


class BootWrittenLate:
    """A station connected here whose boot (just before the driver began to listen) reaches the record
    only after the driver first looked: boots are written in batches."""

    def __init__(self, booted: datetime) -> None:
        self.booted = booted
        self.looks = 0

    def is_connected(self, identity: str) -> bool:
        return True

    async def booted_at(self, station_id: str) -> datetime | None:
        self.looks += 1
        return self.booted if self.looks > 1 else None


def expected(since: datetime, deadline_seconds: int) -> tuple[JobRecord, MemberRecord]:
    spec = {"deadlineSeconds": deadline_seconds, "cleanup": False, "expectedSince": since.isoformat()}
    policy: dict[str, Any] = {"canary": 0, "size": 1, "concurrency": 1, "maxFailureRate": 1.0}
    job = JobRecord("j" * 24, "o" * 24, "inbound-migration", "running", None, spec, policy, 0, 0, since, since)
    procedure = {"identity": "IN-1", "ocppVersion": "1.6"}
    member = MemberRecord(job.id, 0, "s" * 24, "running", "expected", "await_arrival", None, procedure, since)
    return job, member


async def test_a_boot_on_record_only_after_the_first_look_is_an_arrival() -> None:
    since = CLOCK.now() - timedelta(seconds=1)
    lookout = BootWrittenLate(since + timedelta(milliseconds=500))
    records = Records()
    driver = InboundDriver(records, StationWatch(LocalBus(), CLOCK), lookout, None, CLOCK)  # type: ignore[arg-type]
    job, member = expected(since, deadline_seconds=4)
    assert await driver.run(job, member, MemberSignals()) is MemberState.SUCCEEDED
    assert records.members[-1].state == "arrived"
    assert [e.type for e in records.events] == ["chargestation.migration.arrived"]
