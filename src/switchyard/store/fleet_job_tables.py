"""Tables of fleet jobs (ADR 0010): each job with its wave policy, and each member station's procedure."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from switchyard.store.tables import ID, Base
from switchyard.store.types import UtcDateTime


class FleetJob(Base):
    """A migration, rollout or commissioning applied to many stations; `status` is the wave rules' job status."""

    __tablename__ = "fleet_jobs"
    __table_args__ = (
        # The API's job list: an operator's jobs of one kind, newest first.
        Index("ix_fleet_jobs_operator_kind_created", "operator_id", "kind", "created_at"),
        # What a restarting node picks up: only running jobs, a handful among all that ever ran.
        Index(
            "ix_fleet_jobs_running",
            "kind",
            sqlite_where=text("status = 'running'"),
            postgresql_where=text("status = 'running'"),
        ),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    operator_id: Mapped[str] = mapped_column(ID, ForeignKey("operators.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12))
    # Free text from core or a station (an error message): unbounded, so PostgreSQL never refuses one.
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The capability's parameters; secrets in it are already encrypted by core.
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    policy: Mapped[dict[str, Any]] = mapped_column(JSON)
    forgiven_failures: Mapped[int] = mapped_column(Integer)
    forgiven_runs: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class FleetJobMember(Base):
    """One station in a job: its place in the waves, its outcome, and the procedure's state to resume from."""

    __tablename__ = "fleet_job_members"
    __table_args__ = (
        UniqueConstraint("job_id", "position", name="uq_fleet_job_members_job_position"),
        # Is this station already busy in another job? Asked before a station joins one.
        Index("ix_fleet_job_members_station_outcome", "station_id", "outcome"),
        # Jobs with a member mid-step, whatever the job's status: resumed after a restart.
        Index(
            "ix_fleet_job_members_running",
            "job_id",
            sqlite_where=text("outcome = 'running'"),
            postgresql_where=text("outcome = 'running'"),
        ),
    )

    job_id: Mapped[str] = mapped_column(ID, ForeignKey("fleet_jobs.id", ondelete="CASCADE"), primary_key=True)
    # No foreign key: a job's record of what it did to a station outlives the station.
    station_id: Mapped[str] = mapped_column(ID, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(12))
    state: Mapped[str] = mapped_column(String(40))
    step: Mapped[str | None] = mapped_column(String(40), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    procedure: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
