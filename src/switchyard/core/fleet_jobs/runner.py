"""The fleet-job runner: the only part of a fleet job with IO (ADR 0010).

It keeps each job's status in the store, asks the wave rules (`waves.py`) which members start, and
runs each member's procedure through the capability's `MemberDriver`, which persists the member after
every step and returns its outcome. A restarted node calls `recover`: running members are handed to
their driver again (which resumes from the persisted step, never from the start), then the job goes on.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, Protocol

import structlog

from switchyard.clock import Clock
from switchyard.core.fleet_jobs.waves import (
    FINISHED,
    JobState,
    JobStatus,
    MemberState,
    Plan,
    WavePolicy,
    cancel,
    finished,
    pause,
    plan,
    resume,
    start,
)
from switchyard.errors import Conflict, NotFound
from switchyard.ports.fleet_jobs import FleetJobStore, FleetJobTx, JobRecord, MemberRecord

log = structlog.get_logger("switchyard.fleet_jobs")


@dataclass(slots=True)
class MemberSignals:
    """What reaches a running member from outside its procedure (cancel, operator actions): the
    driver reads them from `inbox` alongside its own events."""

    inbox: asyncio.Queue[Any] = field(default_factory=asyncio.Queue)


class MemberDriver(Protocol):
    """A capability's per-station procedure, as the runner runs it."""

    kind: str

    async def run(self, job: JobRecord, member: MemberRecord, signals: MemberSignals) -> MemberState:
        """Drive the member to an end (persisting it after every step) and say how it ended."""
        ...

    def cancel_signal(self) -> Any:
        """What a running member's inbox receives when its job is cancelled."""
        ...

    def job_event(self, tx: FleetJobTx, job: JobRecord, name: str, data: dict[str, Any]) -> None:
        """Announce something about the whole job (`<kind>.<name>`) in `tx`."""
        ...


@dataclass(frozen=True, slots=True)
class _Running:
    task: "asyncio.Task[None]"
    signals: MemberSignals
    driver: MemberDriver


def policy_from(record: JobRecord) -> WavePolicy:
    p = record.policy
    return WavePolicy(p["canary"], p["size"], p["concurrency"], p["maxFailureRate"])


def job_state(record: JobRecord, members: list[MemberRecord], running: frozenset[str] = frozenset()) -> JobState:
    """The job as the wave rules see it; members in `running` are running whatever their stored outcome
    (their end is counted once the runner handles it)."""
    return JobState(
        policy_from(record),
        tuple(m.station_id for m in members),
        {m.station_id: MemberState.RUNNING if m.station_id in running else MemberState(m.outcome) for m in members},
        JobStatus(record.status),
        record.reason,
        record.forgiven_failures,
        record.forgiven_runs,
    )


class FleetJobRunner:
    def __init__(self, store: FleetJobStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._drivers: dict[str, MemberDriver] = {}
        self._running: dict[tuple[str, str], _Running] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._closed = False

    def register(self, driver: MemberDriver) -> None:
        self._drivers[driver.kind] = driver

    async def recover(self) -> None:
        """After a restart: hand running members back to their drivers, and go on with running jobs."""
        async with self._store.reading() as tx:
            jobs = await tx.unfinished(list(self._drivers))
        for job in jobs:
            async with self._store.reading() as tx:
                members = await tx.members(job.id)
            for member in members:
                if member.outcome == MemberState.RUNNING.value:
                    self._spawn(job, member)
            await self._advance(job.id)

    async def start(self, job_id: str) -> None:
        await self._change(job_id, start)

    async def pause(self, job_id: str) -> None:
        await self._change(job_id, pause)

    async def resume(self, job_id: str) -> None:
        await self._change(job_id, resume)

    async def cancel(self, job_id: str) -> None:
        await self._change(job_id, cancel)
        for (job, _), running in list(self._running.items()):
            if job == job_id:
                running.signals.inbox.put_nowait(running.driver.cancel_signal())

    def signal(self, job_id: str, station_id: str, message: Any) -> bool:
        """Pass an operator's action to a running member; False when the member is not running here."""
        running = self._running.get((job_id, station_id))
        if running is None:
            return False
        running.signals.inbox.put_nowait(message)
        return True

    async def run_again(self, job_id: str, station_id: str) -> None:
        """Run one member's procedure again (an operator's retry or rollback of an ended member): it is
        marked running and handed to its driver, outside the wave rules (the operator chose it)."""
        async with self._lock(job_id), self._store.transaction() as tx:
            job = await tx.lock_job(job_id)
            member = await tx.member(job_id, station_id) if job is not None else None
            if job is None or member is None:
                raise NotFound(f"{station_id} is not a member of job {job_id}")
            if (job_id, station_id) in self._running:
                raise Conflict(f"{station_id} is still running in job {job_id}")
            member = replace(member, outcome=MemberState.RUNNING.value, updated_at=self._clock.now())
            await tx.update_member(member)
        self._spawn(job, member)

    async def close(self) -> None:
        """Stop the procedures running here; they resume from their persisted step on the next start."""
        self._closed = True
        tasks = [running.task for running in self._running.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._running.clear()

    def running(self, job_id: str) -> int:
        return sum(1 for job, _ in self._running if job == job_id)

    # -- internals -------------------------------------------------------------------------------

    def _lock(self, job_id: str) -> asyncio.Lock:
        return self._locks.setdefault(job_id, asyncio.Lock())

    async def _change(self, job_id: str, rule: Callable[[JobState], Plan]) -> None:
        await self._apply(job_id, rule)

    async def _advance(self, job_id: str) -> None:
        await self._apply(job_id, plan)

    async def _apply(self, job_id: str, rule: Callable[[JobState], Plan], ended: str | None = None) -> None:
        """Apply `rule` to the job's state in one locked transaction, then start what it says.

        A member's driver stores its outcome before the runner hears of it, so members whose end has
        not been handled yet count as running: each end is counted when it is handled (`ended`), one
        at a time, and the failure over the budget stops the job with exactly budget + 1 failures."""
        if self._closed:
            return
        async with self._lock(job_id):
            if ended is not None:
                self._running.pop((job_id, ended), None)
            async with self._store.transaction() as tx:
                job = await tx.lock_job(job_id)
                if job is None:
                    raise NotFound(f"fleet job {job_id} not found")
                members = await tx.members(job_id)
                state = job_state(job, members, frozenset(s for j, s in self._running if j == job_id))
                decided = rule(state)
                job = await self._save(tx, job, state, decided, {m.station_id: m for m in members})
                to_start = [m for m in members if m.station_id in decided.start]
            for member in to_start:
                self._spawn(job, replace(member, outcome=MemberState.RUNNING.value))

    async def _save(
        self, tx: FleetJobTx, job: JobRecord, before: JobState, decided: Plan, members: dict[str, MemberRecord]
    ) -> JobRecord:
        after = decided.state
        now = self._clock.now()
        driver = self._drivers[job.kind]
        started_waves = sorted({after.wave_of(m) for m in decided.start} - _waves_begun(before))
        for station_id in decided.start:
            await tx.update_member(replace(members[station_id], outcome=MemberState.RUNNING.value, updated_at=now))
        for station_id, outcome in after.states.items():
            if outcome is MemberState.CANCELLED and before.states[station_id] is not MemberState.CANCELLED:
                member = members[station_id]
                await tx.update_member(replace(member, outcome=outcome.value, state="cancelled", updated_at=now))
        changed = (after.status, after.reason, after.forgiven_failures, after.forgiven_runs) != (
            before.status,
            before.reason,
            before.forgiven_failures,
            before.forgiven_runs,
        )
        if changed:
            await tx.update_job(
                job.id,
                status=after.status.value,
                reason=after.reason,
                forgiven_failures=after.forgiven_failures,
                forgiven_runs=after.forgiven_runs,
                updated_at=now,
            )
            job = replace(job, status=after.status.value, reason=after.reason, updated_at=now)
        for wave in started_waves:
            driver.job_event(tx, job, "wave_started", {"wave": wave, "canary": wave == 0})
        if changed and after.status in (JobStatus.STOPPED, JobStatus.COMPLETED, JobStatus.CANCELLED):
            counts = {state.value: n for state, n in after.counts().items()}
            driver.job_event(tx, job, after.status.value, {"reason": after.reason, "counts": counts})
        return job

    def _spawn(self, job: JobRecord, member: MemberRecord) -> None:
        key = (job.id, member.station_id)
        if key in self._running or self._closed:
            return
        driver = self._drivers[job.kind]
        signals = MemberSignals()
        task = asyncio.create_task(self._run_member(driver, job, member, signals), name=f"fleet-job {key}")
        self._running[key] = _Running(task, signals, driver)

    async def _run_member(
        self, driver: MemberDriver, job: JobRecord, member: MemberRecord, signals: MemberSignals
    ) -> None:
        key = (job.id, member.station_id)
        try:
            try:
                outcome = await driver.run(job, member, signals)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("fleet-job member failed unexpectedly", job=job.id, station=member.station_id)
                outcome = MemberState.FAILED
            if outcome in FINISHED:
                rule = partial(_finished, station_id=member.station_id, outcome=outcome)
                await self._apply(job.id, rule, ended=member.station_id)
        finally:
            mine = self._running.get(key)
            if mine is not None and mine.task is asyncio.current_task():
                del self._running[key]


def _finished(state: JobState, station_id: str, outcome: MemberState) -> Plan:
    return finished(_running(state, station_id), station_id, outcome)


def _running(state: JobState, station_id: str) -> JobState:
    """A member run again outside the waves is running, whatever it was before its retry."""
    if state.states.get(station_id) is MemberState.RUNNING:
        return state
    return replace(state, states={**state.states, station_id: MemberState.RUNNING})


def _waves_begun(state: JobState) -> set[int]:
    return {state.wave_of(m) for m, s in state.states.items() if s is not MemberState.PENDING}
