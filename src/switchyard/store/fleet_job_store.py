"""`ports.fleet_jobs.FleetJobStore` on the database: jobs and their members over one session, with the
webhook outbox in the same transaction. Rows come back as the port's records from plain column selects."""

from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, fields
from datetime import datetime

from sqlalchemy import Select, exists, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from switchyard.ports.fleet_jobs import FleetJobTx, JobRecord, MemberRecord, T
from switchyard.store.database import Database
from switchyard.store.fleet_job_tables import FleetJob, FleetJobMember
from switchyard.store.group_commit import GroupCommit
from switchyard.store.outbox import SessionOutbox

_JOB_COLUMNS = tuple(getattr(FleetJob, field.name) for field in fields(JobRecord))
_MEMBER_COLUMNS = tuple(getattr(FleetJobMember, field.name) for field in fields(MemberRecord))

# The port's vocabulary: `core.fleet_jobs.waves` JobStatus and MemberState values. The store depends on
# ports, not core; the contract tests, written with core's enums, keep the two spellings together.
_RUNNING = "running"
_BUSY_OUTCOMES = ("pending", _RUNNING)
_ENDED_STATUSES = ("completed", "cancelled")


class SqlFleetJobTx:
    """`ports.fleet_jobs.FleetJobTx` over one session."""

    __slots__ = ("_outbox", "_session")

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._outbox: SessionOutbox | None = None

    @property
    def outbox(self) -> SessionOutbox:
        if self._outbox is None:
            self._outbox = SessionOutbox(self._session)
        return self._outbox

    async def add_job(self, job: JobRecord, members: Sequence[MemberRecord]) -> None:
        await self._session.execute(insert(FleetJob).values(**asdict(job)))
        if members:
            await self._session.execute(insert(FleetJobMember), [asdict(member) for member in members])

    async def job(self, job_id: str) -> JobRecord | None:
        return await self._one_job(select(*_JOB_COLUMNS).where(FleetJob.id == job_id))

    async def lock_job(self, job_id: str) -> JobRecord | None:
        # SQLite ignores FOR UPDATE; there the database's single writer (Database.transaction) serialises.
        return await self._one_job(select(*_JOB_COLUMNS).where(FleetJob.id == job_id).with_for_update())

    async def _one_job(self, query: Select[tuple[object, ...]]) -> JobRecord | None:
        row = (await self._session.execute(query)).one_or_none()
        return None if row is None else JobRecord(**row._mapping)

    async def jobs(self, operator_id: str, kind: str, limit: int, offset: int) -> list[JobRecord]:
        rows = await self._session.execute(
            select(*_JOB_COLUMNS)
            .where(FleetJob.operator_id == operator_id, FleetJob.kind == kind)
            .order_by(FleetJob.created_at.desc(), FleetJob.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return [JobRecord(**row._mapping) for row in rows]

    async def count_jobs(self, operator_id: str, kind: str) -> int:
        count = await self._session.scalar(
            select(func.count()).select_from(FleetJob).where(FleetJob.operator_id == operator_id, FleetJob.kind == kind)
        )
        return count or 0

    async def update_job(
        self,
        job_id: str,
        *,
        status: str,
        reason: str | None,
        forgiven_failures: int,
        forgiven_runs: int,
        updated_at: datetime,
    ) -> None:
        await self._session.execute(
            update(FleetJob)
            .where(FleetJob.id == job_id)
            .values(
                status=status,
                reason=reason,
                forgiven_failures=forgiven_failures,
                forgiven_runs=forgiven_runs,
                updated_at=updated_at,
            )
        )

    async def members(self, job_id: str) -> list[MemberRecord]:
        rows = await self._session.execute(
            select(*_MEMBER_COLUMNS).where(FleetJobMember.job_id == job_id).order_by(FleetJobMember.position)
        )
        return [MemberRecord(**row._mapping) for row in rows]

    async def member(self, job_id: str, station_id: str) -> MemberRecord | None:
        row = (
            await self._session.execute(
                select(*_MEMBER_COLUMNS).where(FleetJobMember.job_id == job_id, FleetJobMember.station_id == station_id)
            )
        ).one_or_none()
        return None if row is None else MemberRecord(**row._mapping)

    async def update_member(self, member: MemberRecord) -> None:
        await self._session.execute(
            update(FleetJobMember)
            .where(FleetJobMember.job_id == member.job_id, FleetJobMember.station_id == member.station_id)
            .values(
                outcome=member.outcome,
                state=member.state,
                step=member.step,
                reason=member.reason,
                procedure=member.procedure,
                updated_at=member.updated_at,
            )
        )

    async def state_counts(self, job_ids: Collection[str]) -> dict[str, dict[str, int]]:
        # Every job asked about has an entry, so a caller listing jobs need not expect a gap.
        counts: dict[str, dict[str, int]] = {job_id: {} for job_id in job_ids}
        if not counts:
            return counts
        rows = await self._session.execute(
            select(FleetJobMember.job_id, FleetJobMember.state, func.count())
            .where(FleetJobMember.job_id.in_(counts))
            .group_by(FleetJobMember.job_id, FleetJobMember.state)
        )
        for job_id, state, count in rows:
            counts[job_id][state] = count
        return counts

    async def busy_stations(self, station_ids: Collection[str], kinds: Collection[str]) -> Mapping[str, str]:
        if not station_ids or not kinds:
            return {}
        rows = await self._session.execute(
            select(FleetJobMember.station_id, FleetJobMember.job_id)
            .join(FleetJob, FleetJob.id == FleetJobMember.job_id)
            .where(
                FleetJobMember.station_id.in_(station_ids),
                FleetJobMember.outcome.in_(_BUSY_OUTCOMES),
                FleetJob.kind.in_(kinds),
                FleetJob.status.not_in(_ENDED_STATUSES),
            )
        )
        return dict(rows.all())

    async def unfinished(self, kinds: Collection[str]) -> list[JobRecord]:
        if not kinds:
            return []
        running_member = exists().where(FleetJobMember.job_id == FleetJob.id, FleetJobMember.outcome == _RUNNING)
        rows = await self._session.execute(
            select(*_JOB_COLUMNS)
            .where(FleetJob.kind.in_(kinds), or_(FleetJob.status == _RUNNING, running_member))
            .order_by(FleetJob.created_at, FleetJob.id)
        )
        return [JobRecord(**row._mapping) for row in rows]


class DatabaseFleetJobStore:
    def __init__(self, database: Database, writes: GroupCommit | None = None) -> None:
        self._db = database
        self._writes = writes or GroupCommit(database)

    async def write(self, work: Callable[[FleetJobTx], Awaitable[T]]) -> T:
        async def in_session(session: AsyncSession) -> T:
            return await work(SqlFleetJobTx(session))

        return await self._writes.write(in_session)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[FleetJobTx]:
        async with self._db.transaction() as session:
            yield SqlFleetJobTx(session)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[FleetJobTx]:
        async with self._db.sessions() as session:
            yield SqlFleetJobTx(session)
