"""configuration: actions, reported settings, per-station configuration state, the operator baseline switch

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 03:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# UTC instants: timestamptz on PostgreSQL, fixed-width ISO 8601 text on SQLite (store/types.py).
TIMESTAMP = sa.DateTime(timezone=True).with_variant(sa.String(26), "sqlite")

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("operators") as batch:
        batch.add_column(sa.Column("baseline_enabled", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.create_table(
        "actions",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("operator_id", sa.String(length=24), nullable=False),
        sa.Column("station_id", sa.String(length=24), nullable=False),
        sa.Column("type", sa.String(length=50), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("phase", sa.String(length=20), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("target", sa.JSON(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("response_data", sa.JSON(), nullable=True),
        sa.Column("waiting_for", sa.String(length=300), nullable=True),
        sa.Column("created_by", sa.String(length=24), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("value_before", sa.Text(), nullable=True),
        sa.Column("value_after", sa.Text(), nullable=True),
        sa.Column("message_id", sa.String(length=36), nullable=True),
        sa.Column("sent_at", TIMESTAMP, nullable=True),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["operator_id"], ["operators.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["station_id"], ["stations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_actions_operator_id", "actions", ["operator_id"])
    op.create_index("ix_actions_station_created", "actions", ["station_id", "created_at"])
    op.create_index("ix_actions_phase", "actions", ["phase"])
    op.create_table(
        "reported_settings",
        sa.Column("station_id", sa.String(length=24), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("readonly", sa.Boolean(), nullable=False),
        sa.Column("writeonly", sa.Boolean(), nullable=False),
        sa.Column("address", sa.JSON(), nullable=True),
        sa.Column("characteristics", sa.JSON(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["station_id"], ["stations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("station_id", "name"),
    )
    op.create_table(
        "configuration_states",
        sa.Column("station_id", sa.String(length=24), nullable=False),
        sa.Column("read_at", TIMESTAMP, nullable=True),
        sa.Column("reboot_pending", sa.Boolean(), nullable=False),
        sa.Column("reboot_pending_since", TIMESTAMP, nullable=True),
        sa.Column("last_change_at", TIMESTAMP, nullable=True),
        sa.Column("booted_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(["station_id"], ["stations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("station_id"),
    )


def downgrade() -> None:
    op.drop_table("configuration_states")
    op.drop_table("reported_settings")
    op.drop_index("ix_actions_phase", table_name="actions")
    op.drop_index("ix_actions_station_created", table_name="actions")
    op.drop_index("ix_actions_operator_id", table_name="actions")
    op.drop_table("actions")
    with op.batch_alter_table("operators") as batch:
        batch.drop_column("baseline_enabled")
