"""The fleet-job store's contract (`ports.fleet_jobs`), through the port only: what the job runner may
rely on, on every database Switchyard runs on. Statuses and outcomes are written with core's enums,
so the store's spelling of them is checked too."""

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from switchyard.core.fleet_jobs.waves import JobStatus, MemberState
from switchyard.ports.fleet_jobs import FleetJobStore, JobRecord, MemberRecord
from switchyard.ports.outbox import OutboxEvent
from switchyard.store.database import Database
from switchyard.store.fleet_job_store import DatabaseFleetJobStore
from switchyard.store.webhook_store import DatabaseWebhookStore
from tests.store.rows import add_operator_with_stations

OPERATOR, OTHER = "o" * 24, "p" * 24
A, B, C, D = "a" * 24, "b" * 24, "c" * 24, "d" * 24
T0 = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
LATER = T0 + timedelta(minutes=5)
MIGRATION, ROLLOUT = "migration", "rollout"
POLICY = {"canary": 1, "size": 10, "concurrency": 5, "maxFailureRate": 0.1}


def ids(n: int) -> str:
    return f"j{n:023d}"


def job(
    n: int, operator: str = OPERATOR, *, kind: str = MIGRATION, status: str = JobStatus.RUNNING, **more: Any
) -> JobRecord:
    at = more.pop("at", T0)
    fields: dict[str, Any] = {
        "reason": None,
        "spec": {"url": "wss://csms.example.com/ocpp", "profile": {"slot": 2, "security": 1}},
        "policy": POLICY,
        "forgiven_failures": 0,
        "forgiven_runs": 0,
        "created_at": at,
        "updated_at": at,
    }
    return JobRecord(id=ids(n), operator_id=operator, kind=kind, status=status, **(fields | more))


def member(
    n: int, position: int, station: str, outcome: str = MemberState.PENDING, state: str = "waiting", **more: Any
) -> MemberRecord:
    fields: dict[str, Any] = {"step": None, "reason": None, "procedure": {"slot": None}, "updated_at": T0}
    return MemberRecord(
        job_id=ids(n), position=position, station_id=station, outcome=outcome, state=state, **(fields | more)
    )


@pytest.fixture
async def store(database: Database) -> FleetJobStore:
    await add_operator_with_stations(database, OPERATOR, [(A, "CP-A"), (B, "CP-B"), (D, "CP-D")])
    await add_operator_with_stations(database, OTHER, [(C, "CP-C")], name="other")
    return DatabaseFleetJobStore(database)


async def add(store: FleetJobStore, *jobs: tuple[JobRecord, list[MemberRecord]]) -> None:
    async with store.transaction() as tx:
        for record, members in jobs:
            await tx.add_job(record, members)


# -- jobs and members ---------------------------------------------------------------------------


async def test_a_job_and_its_members_read_back_as_written_in_position_order(store: FleetJobStore) -> None:
    written = job(
        1,
        reason="réessayer après la fenêtre ⚡",
        spec={"url": "wss://ny.example/ocpp", "nested": {"list": [1, {"deep": "ÆØÅ"}], "none": None}, "ok": True},
        forgiven_failures=2,
        forgiven_runs=7,
    )
    canary = member(
        1, 0, B, MemberState.RUNNING, "departed", step="reset", procedure={"seen": {"at": "t", "n": [1, 2]}}
    )
    second = member(1, 1, A, reason="Ladestation überlastet", procedure={"from": "wss://alt/ocpp", "tries": 0})
    third = member(1, 2, D)
    await add(store, (written, [third, canary, second]))
    async with store.reading() as tx:
        assert await tx.job(ids(1)) == written
        assert await tx.job(ids(9)) is None
        assert await tx.members(ids(1)) == [canary, second, third]
        assert await tx.members(ids(9)) == []
        assert await tx.member(ids(1), B) == canary
        assert await tx.member(ids(1), C) is None
        assert await tx.member(ids(9), B) is None
    read = (await _read_job(store, ids(1))).created_at
    assert read.tzinfo is not None
    assert read.utcoffset() == timedelta(0)


async def _read_job(store: FleetJobStore, job_id: str) -> JobRecord:
    async with store.reading() as tx:
        found = await tx.job(job_id)
    assert found is not None
    return found


async def test_a_job_may_start_without_members(store: FleetJobStore) -> None:
    await add(store, (job(1, status=JobStatus.PLANNED), []))
    async with store.reading() as tx:
        assert await tx.job(ids(1)) == job(1, status=JobStatus.PLANNED)
        assert await tx.members(ids(1)) == []


async def test_a_locked_job_reads_like_the_job(store: FleetJobStore) -> None:
    await add(store, (job(1), [member(1, 0, A)]))
    async with store.transaction() as tx:
        assert await tx.lock_job(ids(1)) == job(1)
        assert await tx.lock_job(ids(9)) is None


async def test_two_writers_that_lock_the_job_take_turns(store: FleetJobStore) -> None:
    await add(store, (job(1), []))

    async def count_a_run() -> None:
        async with store.transaction() as tx:
            locked = await tx.lock_job(ids(1))
            assert locked is not None
            # Without the lock, the other writer reads the same count here and one run is lost.
            await asyncio.sleep(0.05)
            await tx.update_job(
                ids(1),
                status=locked.status,
                reason=locked.reason,
                forgiven_failures=locked.forgiven_failures,
                forgiven_runs=locked.forgiven_runs + 1,
                updated_at=LATER,
            )

    await asyncio.gather(count_a_run(), count_a_run())
    assert (await _read_job(store, ids(1))).forgiven_runs == 2


async def test_update_job_writes_exactly_the_fields_named(store: FleetJobStore) -> None:
    await add(store, (job(1, reason="first"), [member(1, 0, A)]), (job(2), []))
    async with store.transaction() as tx:
        await tx.update_job(
            ids(1), status=JobStatus.STOPPED, reason=None, forgiven_failures=3, forgiven_runs=4, updated_at=LATER
        )
    async with store.reading() as tx:
        assert await tx.job(ids(1)) == replace(
            job(1), status=JobStatus.STOPPED, reason=None, forgiven_failures=3, forgiven_runs=4, updated_at=LATER
        )
        assert await tx.job(ids(2)) == job(2)
        assert await tx.members(ids(1)) == [member(1, 0, A)]


async def test_update_member_writes_its_state_and_leaves_its_place_and_the_others(store: FleetJobStore) -> None:
    await add(store, (job(1), [member(1, 0, A), member(1, 1, B)]), (job(2), [member(2, 0, A)]))
    changed = replace(
        member(1, 0, A),
        position=5,  # not written: a member keeps its place
        outcome=MemberState.FAILED,
        state="fell_back",
        step="confirm",
        reason="came back to the old CSMS",
        procedure={"deadline": "2026-12-10T10:00:00Z", "profile": {"slot": 3, "url": "wss://ny/ocpp"}},
        updated_at=LATER,
    )
    async with store.transaction() as tx:
        await tx.update_member(changed)
    async with store.reading() as tx:
        assert await tx.members(ids(1)) == [replace(changed, position=0), member(1, 1, B)]
        assert await tx.members(ids(2)) == [member(2, 0, A)]
    async with store.transaction() as tx:
        await tx.update_member(replace(changed, step=None, reason=None, procedure={}))
    async with store.reading() as tx:
        assert await tx.member(ids(1), A) == replace(changed, position=0, step=None, reason=None, procedure={})


async def test_jobs_are_listed_newest_first_per_operator_and_kind_and_counted(store: FleetJobStore) -> None:
    same_instant = [job(n, at=T0 + timedelta(minutes=1)) for n in (3, 4)]
    await add(
        store,
        (job(1, at=T0), []),
        (job(2, at=T0 + timedelta(minutes=2)), []),
        *((record, []) for record in same_instant),
        (job(5, at=T0 + timedelta(minutes=9), kind=ROLLOUT), []),
        (job(6, OTHER, at=T0 + timedelta(minutes=9)), []),
    )
    async with store.reading() as tx:
        newest_first = [ids(2), ids(4), ids(3), ids(1)]
        assert [j.id for j in await tx.jobs(OPERATOR, MIGRATION, 10, 0)] == newest_first
        assert [j.id for j in await tx.jobs(OPERATOR, MIGRATION, 2, 0)] == newest_first[:2]
        assert [j.id for j in await tx.jobs(OPERATOR, MIGRATION, 2, 2)] == newest_first[2:]
        assert await tx.jobs(OPERATOR, MIGRATION, 10, 4) == []
        assert await tx.jobs(OPERATOR, ROLLOUT, 10, 0) == [job(5, at=T0 + timedelta(minutes=9), kind=ROLLOUT)]
        assert [j.id for j in await tx.jobs(OTHER, MIGRATION, 10, 0)] == [ids(6)]
        assert await tx.jobs(OTHER, ROLLOUT, 10, 0) == []
        assert await tx.count_jobs(OPERATOR, MIGRATION) == 4
        assert await tx.count_jobs(OPERATOR, ROLLOUT) == 1
        assert await tx.count_jobs(OTHER, ROLLOUT) == 0


# -- what the runner asks of many jobs at once --------------------------------------------------


async def test_state_counts_cover_several_jobs_in_one_call(store: FleetJobStore) -> None:
    await add(
        store,
        (
            job(1),
            [member(1, 0, A, state="confirmed"), member(1, 1, B, state="departed"), member(1, 2, D, state="confirmed")],
        ),
        (job(2), [member(2, 0, A, state="waiting")]),
        (job(3), []),
        (job(4), [member(4, 0, C, state="confirmed")]),
    )
    async with store.reading() as tx:
        assert await tx.state_counts([ids(1), ids(2), ids(3)]) == {
            ids(1): {"confirmed": 2, "departed": 1},
            ids(2): {"waiting": 1},
            ids(3): {},
        }
        assert await tx.state_counts([]) == {}


async def test_busy_stations_are_pending_or_running_members_of_jobs_not_ended(store: FleetJobStore) -> None:
    running, paused = MemberState.RUNNING, JobStatus.PAUSED
    await add(
        store,
        (job(1), [member(1, 0, A, running), member(1, 1, B, MemberState.SUCCEEDED), member(1, 2, C)]),
        (job(2, status=paused), [member(2, 0, D)]),
        (job(3, status=JobStatus.COMPLETED), [member(3, 0, B, MemberState.PENDING)]),
        (job(4, status=JobStatus.CANCELLED), [member(4, 0, B, running)]),
        (job(5, kind=ROLLOUT), [member(5, 0, B, running)]),
        (job(6), [member(6, 0, B, MemberState.FAILED), member(6, 1, "x" * 24, MemberState.REFUSED)]),
    )
    everyone = [A, B, C, D, "x" * 24, "y" * 24]
    async with store.reading() as tx:
        assert await tx.busy_stations(everyone, [MIGRATION]) == {A: ids(1), C: ids(1), D: ids(2)}
        assert await tx.busy_stations(everyone, [MIGRATION, ROLLOUT]) == {A: ids(1), B: ids(5), C: ids(1), D: ids(2)}
        assert await tx.busy_stations([B, D], [MIGRATION]) == {D: ids(2)}
        assert await tx.busy_stations([], [MIGRATION]) == {}
        assert await tx.busy_stations(everyone, []) == {}


async def test_unfinished_jobs_are_the_running_ones_and_any_with_a_running_member(store: FleetJobStore) -> None:
    done, running = MemberState.SUCCEEDED, MemberState.RUNNING
    await add(
        store,
        (job(1, at=T0 + timedelta(minutes=1)), [member(1, 0, A, done)]),
        (job(2, status=JobStatus.PAUSED), [member(2, 0, A, done), member(2, 1, B, running)]),
        (job(3, status=JobStatus.STOPPED, at=T0 + timedelta(minutes=2)), [member(3, 0, D, running)]),
        (job(4, status=JobStatus.CANCELLED, at=T0 + timedelta(minutes=3)), [member(4, 0, C, running)]),
        (job(5, status=JobStatus.COMPLETED), [member(5, 0, A, done), member(5, 1, B, MemberState.FAILED)]),
        (job(6, status=JobStatus.PAUSED), [member(6, 0, A)]),
        (job(7, status=JobStatus.PLANNED), [member(7, 0, A)]),
        (job(8, status=JobStatus.CANCELLED), [member(8, 0, A, MemberState.CANCELLED)]),
        (job(9, kind=ROLLOUT), [member(9, 0, A)]),
        (job(10, status=JobStatus.RUNNING), []),
    )
    async with store.reading() as tx:
        found = {j.id: j for j in await tx.unfinished([MIGRATION])}
        assert sorted(found) == sorted([ids(1), ids(2), ids(3), ids(4), ids(10)])
        assert found[ids(3)] == job(3, status=JobStatus.STOPPED, at=T0 + timedelta(minutes=2))
        assert sorted(j.id for j in await tx.unfinished([MIGRATION, ROLLOUT])) == sorted([*found, ids(9)])
        assert await tx.unfinished([]) == []


# -- transactions -------------------------------------------------------------------------------


def event(n: int) -> OutboxEvent:
    return OutboxEvent(f"e{n:023d}", OPERATOR, A, "fleet_job.started", f'{{"n": {n}}}', T0)


async def test_events_are_written_with_the_job_in_one_transaction(store: FleetJobStore, database: Database) -> None:
    async with store.transaction() as tx:
        await tx.add_job(job(1), [member(1, 0, A)])
        tx.outbox.add(event(1))
    async with DatabaseWebhookStore(database).reading() as webhooks:
        written = await webhooks.events.get(event(1).id)
    assert written is not None
    assert (written.type, written.station_id, written.payload) == ("fleet_job.started", A, '{"n": 1}')


async def test_a_transaction_that_raises_keeps_nothing_not_even_its_events(
    store: FleetJobStore, database: Database
) -> None:
    await add(store, (job(1), [member(1, 0, A)]))

    async def fail_half_way() -> None:
        async with store.transaction() as tx:
            await tx.add_job(job(2), [member(2, 0, B)])
            await tx.update_job(
                ids(1), status=JobStatus.CANCELLED, reason="x", forgiven_failures=1, forgiven_runs=1, updated_at=LATER
            )
            await tx.update_member(replace(member(1, 0, A), outcome=MemberState.CANCELLED, updated_at=LATER))
            tx.outbox.add(event(2))
            raise RuntimeError("the runner failed half-way")

    with pytest.raises(RuntimeError):
        await fail_half_way()
    async with store.reading() as tx:
        assert await tx.job(ids(2)) is None
        assert await tx.members(ids(2)) == []
        assert await tx.job(ids(1)) == job(1)
        assert await tx.members(ids(1)) == [member(1, 0, A)]
    async with DatabaseWebhookStore(database).reading() as webhooks:
        assert await webhooks.events.get(event(2).id) is None


async def test_what_is_written_in_a_reading_is_not_kept(store: FleetJobStore) -> None:
    async with store.reading() as tx:
        await tx.add_job(job(1), [member(1, 0, A)])
        assert await tx.job(ids(1)) == job(1)
    async with store.reading() as tx:
        assert await tx.job(ids(1)) is None
