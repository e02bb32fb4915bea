"""fleet jobs: each job with its wave policy and status, each member station with its procedure's state

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-10 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# UTC instants: timestamptz on PostgreSQL, fixed-width ISO 8601 text on SQLite (store/types.py).
TIMESTAMP = sa.DateTime(timezone=True).with_variant(sa.String(26), "sqlite")
RUNNING_JOB = sa.text("status = 'running'")
RUNNING_MEMBER = sa.text("outcome = 'running'")

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fleet_jobs",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("operator_id", sa.String(length=24), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("policy", sa.JSON(), nullable=False),
        sa.Column("forgiven_failures", sa.Integer(), nullable=False),
        sa.Column("forgiven_runs", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["operator_id"], ["operators.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_fleet_jobs_operator_kind_created", "fleet_jobs", ["operator_id", "kind", "created_at"])
    op.create_index(
        "ix_fleet_jobs_running", "fleet_jobs", ["kind"], sqlite_where=RUNNING_JOB, postgresql_where=RUNNING_JOB
    )
    op.create_table(
        "fleet_job_members",
        sa.Column("job_id", sa.String(length=24), nullable=False),
        sa.Column("station_id", sa.String(length=24), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("step", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("procedure", sa.JSON(), nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["fleet_jobs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("job_id", "station_id"),
        sa.UniqueConstraint("job_id", "position", name="uq_fleet_job_members_job_position"),
    )
    op.create_index("ix_fleet_job_members_station_outcome", "fleet_job_members", ["station_id", "outcome"])
    op.create_index(
        "ix_fleet_job_members_running",
        "fleet_job_members",
        ["job_id"],
        sqlite_where=RUNNING_MEMBER,
        postgresql_where=RUNNING_MEMBER,
    )


def downgrade() -> None:
    op.drop_index("ix_fleet_job_members_running", table_name="fleet_job_members")
    op.drop_index("ix_fleet_job_members_station_outcome", table_name="fleet_job_members")
    op.drop_table("fleet_job_members")
    op.drop_index("ix_fleet_jobs_running", table_name="fleet_jobs")
    op.drop_index("ix_fleet_jobs_operator_kind_created", table_name="fleet_jobs")
    op.drop_table("fleet_jobs")
