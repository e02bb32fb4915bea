"""The fleet-job runner over a real store, with a driver that stores its member's outcome itself (as the
migration driver does at its last step) before the runner hears of it."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from switchyard.clock import SystemClock
from switchyard.core.fleet_jobs.runner import FleetJobRunner, MemberSignals
from switchyard.core.fleet_jobs.waves import JobStatus, MemberState
from switchyard.ports.fleet_jobs import FleetJobStore, FleetJobTx, JobRecord, MemberRecord
from switchyard.store.database import Database
from switchyard.store.fleet_job_store import DatabaseFleetJobStore
from tests.store.rows import add_operator_with_stations

OPERATOR = "o" * 24
A, B, C = "a" * 24, "b" * 24, "c" * 24
JOB = "j" * 24
T0 = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)


class FailingTogether:
    """Every member fails; each stores its failure, then waits until `together` members have, so their
    ends reach the runner while the others' outcomes are already stored."""

    kind = "test"

    def __init__(self, store: FleetJobStore, together: int) -> None:
        self._store = store
        self._barrier = asyncio.Barrier(together)
        self.events: list[tuple[str, dict[str, Any]]] = []

    async def run(self, job: JobRecord, member: MemberRecord, signals: MemberSignals) -> MemberState:
        async with self._store.transaction() as tx:
            await tx.update_member(replace(member, outcome=MemberState.FAILED.value, state="failed"))
        await self._barrier.wait()
        return MemberState.FAILED

    def cancel_signal(self) -> Any:
        return "cancel"

    def job_event(self, tx: FleetJobTx, job: JobRecord, name: str, data: dict[str, Any]) -> None:
        self.events.append((name, data))


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[FleetJobStore]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'jobs.db'}")
    await database.upgrade()
    await add_operator_with_stations(database, OPERATOR, [(A, "CP-A"), (B, "CP-B"), (C, "CP-C")])
    try:
        yield DatabaseFleetJobStore(database)
    finally:
        await database.close()


def member(position: int, station: str) -> MemberRecord:
    return MemberRecord(JOB, position, station, MemberState.PENDING.value, "pending", None, None, {}, T0)


async def test_failures_stored_together_are_counted_one_at_a_time_so_the_stop_is_at_budget_plus_one(
    store: FleetJobStore,
) -> None:
    policy = {"canary": 0, "size": 10, "concurrency": 2, "maxFailureRate": 0.0}
    job = JobRecord(JOB, OPERATOR, "test", JobStatus.PLANNED.value, None, {}, policy, 0, 0, T0, T0)
    async with store.transaction() as tx:
        await tx.add_job(job, [member(0, A), member(1, B), member(2, C)])
    runner = FleetJobRunner(store, SystemClock())
    driver = FailingTogether(store, together=2)
    runner.register(driver)
    await runner.start(JOB)
    async with asyncio.timeout(10):
        while runner.running(JOB):  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    async with store.reading() as tx:
        stopped = await tx.job(JOB)
        members = await tx.members(JOB)
    assert stopped is not None
    assert (stopped.status, stopped.reason) == ("stopped", "1 failures, over the budget of 0 (0%)")
    assert [m.outcome for m in members] == ["failed", "failed", "pending"]
    # The second failure was under way when the first stopped the job; it ended, and nothing started.
    assert [name for name, _ in driver.events] == ["wave_started", "stopped"]
    assert driver.events[1][1]["counts"] == {"failed": 1, "running": 1, "pending": 1}
    await runner.close()
