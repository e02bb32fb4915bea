"""ocpp_messages: the size of each frame and whether its stored payload is only a prefix, indexed for the
per-station budget; stations.heartbeat_interval: the last HeartbeatInterval Switchyard set

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ocpp_messages") as batch:
        batch.add_column(sa.Column("size", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("truncated", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.drop_index("ix_ocpp_messages_station_at")
        batch.create_index("ix_ocpp_messages_station_id_id", ["station_id", "id"])
    with op.batch_alter_table("stations") as batch:
        batch.add_column(sa.Column("heartbeat_interval", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stations") as batch:
        batch.drop_column("heartbeat_interval")
    with op.batch_alter_table("ocpp_messages") as batch:
        batch.drop_index("ix_ocpp_messages_station_id_id")
        batch.create_index("ix_ocpp_messages_station_at", ["station_id", "at"])
        batch.drop_column("truncated")
        batch.drop_column("size")
