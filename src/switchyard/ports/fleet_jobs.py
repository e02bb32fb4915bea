"""What fleet jobs keep: each job (a migration, a rollout, a commissioning) with its wave policy and
status, and each member station with the state of its procedure.

Core decides everything (`core/fleet_jobs/`: which members start, what a procedure does next); these
repositories only read and write, one transaction at a time through `FleetJobTx`. A job's events go
to the webhook outbox in the same transaction as the state they announce. `store/fleet_job_store.py`
implements it on SQLAlchemy; the repository contract suite (tests/store/contract/) holds it to these
docstrings, on SQLite and PostgreSQL.
"""

from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from switchyard.ports.outbox import EventOutbox

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class JobRecord:
    id: str
    operator_id: str
    # Which capability's procedure runs ("migration", "inbound-migration", …).
    kind: str
    # `core.fleet_jobs.waves.JobStatus` values.
    status: str
    reason: str | None
    # The capability's parameters, JSON-ready (secrets already encrypted by core).
    spec: dict[str, Any]
    # The wave policy: {"canary", "size", "concurrency", "maxFailureRate"}.
    policy: dict[str, Any]
    # Failures and runs counted before the last resume (the failure budget starts again after it).
    forgiven_failures: int
    forgiven_runs: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class MemberRecord:
    job_id: str
    # The member's place in the job: the canary first, then the waves in order.
    position: int
    station_id: str
    # `core.fleet_jobs.waves.MemberState` values: how the wave rules see the member.
    outcome: str
    # The capability's own state and step for the member (a migration's `departed`, `reset`…).
    state: str
    step: str | None
    reason: str | None
    # The procedure's whole state, JSON-ready: what a restarted node resumes from.
    procedure: dict[str, Any]
    updated_at: datetime


class FleetJobTx(Protocol):
    async def add_job(self, job: JobRecord, members: Sequence[MemberRecord]) -> None: ...

    async def job(self, job_id: str) -> JobRecord | None: ...

    async def lock_job(self, job_id: str) -> JobRecord | None:
        """The job, locked for the rest of the transaction (PostgreSQL: FOR UPDATE), so two writers of
        its status or members take turns."""
        ...

    async def jobs(self, operator_id: str, kind: str, limit: int, offset: int) -> list[JobRecord]:
        """The operator's jobs of `kind`, newest first."""
        ...

    async def count_jobs(self, operator_id: str, kind: str) -> int: ...

    async def update_job(
        self,
        job_id: str,
        *,
        status: str,
        reason: str | None,
        forgiven_failures: int,
        forgiven_runs: int,
        updated_at: datetime,
    ) -> None: ...

    async def members(self, job_id: str) -> list[MemberRecord]:
        """In position order."""
        ...

    async def member(self, job_id: str, station_id: str) -> MemberRecord | None: ...

    async def update_member(self, member: MemberRecord) -> None:
        """Writes the member's outcome, state, step, reason, procedure and updated_at."""
        ...

    async def state_counts(self, job_ids: Collection[str]) -> dict[str, dict[str, int]]:
        """Per job, how many members are in each capability state (states with none are left out)."""
        ...

    async def busy_stations(self, station_ids: Collection[str], kinds: Collection[str]) -> Mapping[str, str]:
        """Of `station_ids`, those that are a pending or running member of a job of one of `kinds` that
        has not ended (not completed, not cancelled): station id to that job's id."""
        ...

    async def unfinished(self, kinds: Collection[str]) -> list[JobRecord]:
        """Jobs of `kinds` a node must pick up after a restart: running ones, and any other with a
        running member (a paused, stopped or cancelled job whose members finish their step)."""
        ...

    @property
    def outbox(self) -> EventOutbox: ...


class FleetJobStore(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[FleetJobTx]:
        """A transaction of its own, committed when the block ends without an exception."""
        ...

    def reading(self) -> AbstractAsyncContextManager[FleetJobTx]:
        """A read-only look (nothing written in it is kept)."""
        ...

    async def write(self, work: Callable[[FleetJobTx], Awaitable[T]]) -> T:
        """Run `work` in a transaction shared with other small writes (group commit); returns once it
        has committed. `work` may run twice (its group failed): it must only write what it is given."""
        ...
