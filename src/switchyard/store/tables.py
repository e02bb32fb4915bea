"""The tables. Alembic migrations in `migrations/versions` create exactly these."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from switchyard.store.types import UtcDateTime

ID = String(24)


class Base(DeclarativeBase):
    pass


class Operator(Base):
    __tablename__ = "operators"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # Platform operators manage other operators (tenants); they still never see tenants' resources.
    platform: Mapped[bool] = mapped_column(Boolean, default=False)
    # The recommended baseline of seed 002 gives desired values (and pins keys) for this operator.
    baseline_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    operator_id: Mapped[str] = mapped_column(ID, ForeignKey("operators.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    scope: Mapped[str] = mapped_column(String(10))
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str | None] = mapped_column(ID, nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Site(Base):
    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("operator_id", "name", name="uq_sites_operator_name"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    operator_id: Mapped[str] = mapped_column(ID, ForeignKey("operators.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Station(Base):
    __tablename__ = "stations"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    operator_id: Mapped[str] = mapped_column(ID, ForeignKey("operators.id", ondelete="RESTRICT"), index=True)
    site_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("sites.id", ondelete="RESTRICT"), nullable=True, index=True
    )
    # The OCPP identity is the last URL segment; unique across the whole gateway.
    identity: Mapped[str] = mapped_column(String(48), unique=True)
    serial_number: Mapped[str | None] = mapped_column(String(25), nullable=True)
    ocpp_version: Mapped[str] = mapped_column(String(8))
    security_profile: Mapped[int] = mapped_column(Integer)
    # Set while the station is moved to another security profile: it may connect with either.
    migrating_security_profile: Mapped[int | None] = mapped_column(Integer, nullable=True)
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    registration_state: Mapped[str] = mapped_column(String(10))
    # Reported by the station in BootNotification.
    vendor: Mapped[str | None] = mapped_column(String(50), nullable=True)
    model: Mapped[str | None] = mapped_column(String(50), nullable=True)
    firmware_version: Mapped[str | None] = mapped_column(String(50), nullable=True)
    iccid: Mapped[str | None] = mapped_column(String(20), nullable=True)
    imsi: Mapped[str | None] = mapped_column(String(20), nullable=True)
    meter_type: Mapped[str | None] = mapped_column(String(25), nullable=True)
    meter_serial_number: Mapped[str | None] = mapped_column(String(25), nullable=True)
    last_boot_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_boot_reason: Mapped[str | None] = mapped_column(String(30), nullable=True)
    last_boot_status: Mapped[str | None] = mapped_column(String(10), nullable=True)
    firmware_status: Mapped[str | None] = mapped_column(String(40), nullable=True)
    diagnostics_status: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # The HeartbeatInterval Switchyard last set (completed), given at boot unless a desired value pins it.
    heartbeat_interval: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Live state, written by the node that holds the socket.
    connection_state: Mapped[str] = mapped_column(String(12), default="disconnected")
    connected_node: Mapped[str | None] = mapped_column(String(64), nullable=True)
    connected_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_seen_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ConnectorState(Base):
    __tablename__ = "connector_states"

    station_id: Mapped[str] = mapped_column(ID, ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True)
    evse_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connector_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    error_code: Mapped[str | None] = mapped_column(String(30), nullable=True)
    info: Mapped[str | None] = mapped_column(String(50), nullable=True)
    vendor_error_code: Mapped[str | None] = mapped_column(String(50), nullable=True)
    reported_at: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OcppMessage(Base):
    """The message log: every frame in and out (per the message-log setting), secrets redacted.

    A long payload is stored as its first `message_log_max_payload_bytes` (`truncated`); `size` is the
    whole payload's size. Each station, and the log as a whole, keeps a budget of rows (oldest go first).
    """

    __tablename__ = "ocpp_messages"
    __table_args__ = (Index("ix_ocpp_messages_station_id_id", "station_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    station_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    identity: Mapped[str] = mapped_column(String(48))
    direction: Mapped[str] = mapped_column(String(3))
    message_type: Mapped[int] = mapped_column(Integer)
    action: Mapped[str | None] = mapped_column(String(50), nullable=True)
    message_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    payload: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer, server_default="0")
    truncated: Mapped[bool] = mapped_column(Boolean, server_default=false())


class NotifyReportPage(Base):
    __tablename__ = "notify_report_pages"

    station_id: Mapped[str] = mapped_column(ID, ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True)
    request_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    tbc: Mapped[bool] = mapped_column(Boolean)
    generated_at: Mapped[str] = mapped_column(Text)
    report_data: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SecurityEventRow(Base):
    __tablename__ = "security_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    station_id: Mapped[str] = mapped_column(ID, ForeignKey("stations.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(50))
    timestamp: Mapped[str] = mapped_column(Text)
    tech_info: Mapped[str | None] = mapped_column(String(255), nullable=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Transaction(Base):
    __tablename__ = "transactions"
    __table_args__ = (UniqueConstraint("station_id", "transaction_ref", name="uq_transactions_station_ref"),)

    # Doubles as the 1.6 transactionId the station is given.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    station_id: Mapped[str] = mapped_column(ID, ForeignKey("stations.id", ondelete="CASCADE"), index=True)
    transaction_ref: Mapped[str] = mapped_column(String(36))
    evse_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    connector_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    id_token: Mapped[str | None] = mapped_column(String(36), nullable=True)
    meter_start_wh: Mapped[float | None] = mapped_column(nullable=True)
    meter_stop_wh: Mapped[float | None] = mapped_column(nullable=True)
    started_at: Mapped[str | None] = mapped_column(Text, nullable=True)
    stopped_at: Mapped[str | None] = mapped_column(Text, nullable=True)
    stop_reason: Mapped[str | None] = mapped_column(String(30), nullable=True)
    state: Mapped[str] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


# -- webhooks (core/webhooks.py, ADR 0005) ------------------------------------------------------


class WebhookSubscription(Base):
    """Where an operator wants its events POSTed, and which ones; the signing secret is encrypted."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    operator_id: Mapped[str] = mapped_column(ID, ForeignKey("operators.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    # Event types and patterns ("chargestation.*"); ["*"] is every event.
    events: Mapped[list[str]] = mapped_column(JSON)
    description: Mapped[str | None] = mapped_column(String(300), nullable=True)
    # The Standard Webhooks secret (whsec_...), AES-256-GCM encrypted (core/webhook_cipher.py).
    secret_ciphertext: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WebhookEvent(Base):
    """The outbox: one row per event, written in the transaction of the change it announces."""

    __tablename__ = "webhook_events"
    __table_args__ = (
        Index("ix_webhook_events_operator_seq", "operator_id", "seq"),
        Index("ix_webhook_events_operator_station_seq", "operator_id", "station_id", "seq"),
        # Only events not yet fanned out into deliveries: the dispatcher's query stays small.
        Index(
            "ix_webhook_events_undispatched",
            "seq",
            sqlite_where=text("dispatched_at IS NULL"),
            postgresql_where=text("dispatched_at IS NULL"),
        ),
    )

    # Insertion order: events of one station are fanned out, and so delivered, in this order.
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    id: Mapped[str] = mapped_column(ID, unique=True)
    operator_id: Mapped[str] = mapped_column(ID, ForeignKey("operators.id", ondelete="CASCADE"))
    # No foreign key: an event outlives the station it is about.
    station_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    type: Mapped[str] = mapped_column(String(100))
    # The envelope exactly as it is sent (and signed).
    payload: Mapped[str] = mapped_column(Text)
    # pending, delivered, failed, or skipped (no subscription matched).
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Null until the dispatcher fans the event out (again after a replay).
    dispatched_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # A replay's subscriptions (null: every matching one), and how many replays were asked.
    replay_to: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    replays: Mapped[int] = mapped_column(Integer, default=0)


class WebhookDelivery(Base):
    """One event to one subscription. Per (subscription, lane) only the oldest pending one is attempted."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # next_attempt_at is set only on a lane's head: the due query reads just those.
        Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            sqlite_where=text("next_attempt_at IS NOT NULL"),
            postgresql_where=text("next_attempt_at IS NOT NULL"),
        ),
        Index(
            "ix_webhook_deliveries_lane",
            "subscription_id",
            "lane",
            "id",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    # Creation order, which is the order within a lane.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    event_id: Mapped[str] = mapped_column(ID, ForeignKey("webhook_events.id", ondelete="CASCADE"), index=True)
    subscription_id: Mapped[str] = mapped_column(
        ID, ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), index=True
    )
    # The event's station ("" when it has none): deliveries of one lane go out in order.
    lane: Mapped[str] = mapped_column(String(24))
    # pending, delivered, failed.
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class WebhookAttempt(Base):
    """One POST of a delivery: when, what came back (an HTTP status or an error), how long it took."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"),
        index=True,
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    duration_ms: Mapped[int] = mapped_column(Integer)
