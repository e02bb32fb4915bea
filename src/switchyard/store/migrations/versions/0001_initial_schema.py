"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 00:32:29.513612
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# UTC instants: timestamptz on PostgreSQL, fixed-width ISO 8601 text on SQLite (store/types.py).
TIMESTAMP = sa.DateTime(timezone=True).with_variant(sa.String(26), "sqlite")

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "ocpp_messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("station_id", sa.String(length=24), nullable=True),
        sa.Column("identity", sa.String(length=48), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("message_type", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=50), nullable=True),
        sa.Column("message_id", sa.String(length=36), nullable=True),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ocpp_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ocpp_messages_at"), ["at"], unique=False)
        batch_op.create_index("ix_ocpp_messages_station_at", ["station_id", "at"], unique=False)

    op.create_table(
        "operators",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("platform", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("operator_id", sa.String(length=24), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("created_by", sa.String(length=24), nullable=True),
        sa.Column("last_used_at", TIMESTAMP, nullable=True),
        sa.Column("revoked_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(["operator_id"], ["operators.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_keys_operator_id"), ["operator_id"], unique=False)

    op.create_table(
        "sites",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("operator_id", sa.String(length=24), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["operator_id"], ["operators.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("operator_id", "name", name="uq_sites_operator_name"),
    )
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sites_operator_id"), ["operator_id"], unique=False)

    op.create_table(
        "stations",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("operator_id", sa.String(length=24), nullable=False),
        sa.Column("site_id", sa.String(length=24), nullable=True),
        sa.Column("identity", sa.String(length=48), nullable=False),
        sa.Column("serial_number", sa.String(length=25), nullable=True),
        sa.Column("ocpp_version", sa.String(length=8), nullable=False),
        sa.Column("security_profile", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("registration_state", sa.String(length=10), nullable=False),
        sa.Column("vendor", sa.String(length=50), nullable=True),
        sa.Column("model", sa.String(length=50), nullable=True),
        sa.Column("firmware_version", sa.String(length=50), nullable=True),
        sa.Column("iccid", sa.String(length=20), nullable=True),
        sa.Column("imsi", sa.String(length=20), nullable=True),
        sa.Column("meter_type", sa.String(length=25), nullable=True),
        sa.Column("meter_serial_number", sa.String(length=25), nullable=True),
        sa.Column("last_boot_at", TIMESTAMP, nullable=True),
        sa.Column("last_boot_reason", sa.String(length=30), nullable=True),
        sa.Column("last_boot_status", sa.String(length=10), nullable=True),
        sa.Column("firmware_status", sa.String(length=40), nullable=True),
        sa.Column("diagnostics_status", sa.String(length=40), nullable=True),
        sa.Column("connection_state", sa.String(length=12), nullable=False),
        sa.Column("connected_node", sa.String(length=64), nullable=True),
        sa.Column("connected_at", TIMESTAMP, nullable=True),
        sa.Column("last_seen_at", TIMESTAMP, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["operator_id"], ["operators.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("identity"),
    )
    with op.batch_alter_table("stations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stations_operator_id"), ["operator_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_stations_site_id"), ["site_id"], unique=False)

    op.create_table(
        "connector_states",
        sa.Column("station_id", sa.String(length=24), nullable=False),
        sa.Column("evse_id", sa.Integer(), nullable=False),
        sa.Column("connector_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("error_code", sa.String(length=30), nullable=True),
        sa.Column("info", sa.String(length=50), nullable=True),
        sa.Column("vendor_error_code", sa.String(length=50), nullable=True),
        sa.Column("reported_at", sa.Text(), nullable=True),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["station_id"], ["stations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("station_id", "evse_id", "connector_id"),
    )
    op.create_table(
        "notify_report_pages",
        sa.Column("station_id", sa.String(length=24), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("seq_no", sa.Integer(), nullable=False),
        sa.Column("tbc", sa.Boolean(), nullable=False),
        sa.Column("generated_at", sa.Text(), nullable=False),
        sa.Column("report_data", sa.JSON(), nullable=False),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["station_id"], ["stations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("station_id", "request_id", "seq_no"),
    )
    op.create_table(
        "security_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("station_id", sa.String(length=24), nullable=False),
        sa.Column("type", sa.String(length=50), nullable=False),
        sa.Column("timestamp", sa.Text(), nullable=False),
        sa.Column("tech_info", sa.String(length=255), nullable=True),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["station_id"], ["stations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("security_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_security_events_station_id"), ["station_id"], unique=False)

    op.create_table(
        "transactions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("station_id", sa.String(length=24), nullable=False),
        sa.Column("transaction_ref", sa.String(length=36), nullable=False),
        sa.Column("evse_id", sa.Integer(), nullable=True),
        sa.Column("connector_id", sa.Integer(), nullable=True),
        sa.Column("id_token", sa.String(length=36), nullable=True),
        sa.Column("meter_start_wh", sa.Double(), nullable=True),
        sa.Column("meter_stop_wh", sa.Double(), nullable=True),
        sa.Column("started_at", sa.Text(), nullable=True),
        sa.Column("stopped_at", sa.Text(), nullable=True),
        sa.Column("stop_reason", sa.String(length=30), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["station_id"], ["stations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("station_id", "transaction_ref", name="uq_transactions_station_ref"),
    )
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transactions_station_id"), ["station_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transactions_station_id"))

    op.drop_table("transactions")
    with op.batch_alter_table("security_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_security_events_station_id"))

    op.drop_table("security_events")
    op.drop_table("notify_report_pages")
    op.drop_table("connector_states")
    with op.batch_alter_table("stations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stations_site_id"))
        batch_op.drop_index(batch_op.f("ix_stations_operator_id"))

    op.drop_table("stations")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sites_operator_id"))

    op.drop_table("sites")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_operator_id"))

    op.drop_table("api_keys")
    op.drop_table("operators")
    with op.batch_alter_table("ocpp_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_ocpp_messages_station_at")
        batch_op.drop_index(batch_op.f("ix_ocpp_messages_at"))

    op.drop_table("ocpp_messages")
