"""pending_passwords: passwords sent to a station whose outcome is not known yet, accepted besides its own;
reported_settings.name wide enough for every 2.0.1 variable address

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# UTC instants: timestamptz on PostgreSQL, fixed-width ISO 8601 text on SQLite (store/types.py).
TIMESTAMP = sa.DateTime(timezone=True).with_variant(sa.String(26), "sqlite")

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pending_passwords",
        sa.Column("action_id", sa.String(length=24), nullable=False),
        sa.Column("station_id", sa.String(length=24), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["action_id"], ["actions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["station_id"], ["stations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("action_id"),
    )
    op.create_index("ix_pending_passwords_station_id", "pending_passwords", ["station_id"])
    with op.batch_alter_table("reported_settings") as batch:
        batch.alter_column("name", type_=sa.String(length=255), existing_type=sa.String(length=160), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("reported_settings") as batch:
        batch.alter_column("name", type_=sa.String(length=160), existing_type=sa.String(length=255), nullable=False)
    op.drop_index("ix_pending_passwords_station_id", table_name="pending_passwords")
    op.drop_table("pending_passwords")
