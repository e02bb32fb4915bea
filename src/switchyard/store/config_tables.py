"""Tables of the configuration capability: actions, reported configuration, per-station lane state."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from switchyard.store.tables import ID, Base
from switchyard.store.types import UtcDateTime


class Action(Base):
    """A request to a station (change a key, read the configuration, reset), durable from the start.

    `status` is what the eDRV API shows (requested, completed, rejected, failed); `phase` is where the
    sequencer is with it (queued, sending, reading_back, awaiting_reboot, done), so a restart resumes it.
    """

    __tablename__ = "actions"
    __table_args__ = (
        Index("ix_actions_station_created", "station_id", "created_at"),
        Index("ix_actions_phase", "phase"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    operator_id: Mapped[str] = mapped_column(ID, ForeignKey("operators.id", ondelete="CASCADE"), index=True)
    station_id: Mapped[str] = mapped_column(ID, ForeignKey("stations.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(12))
    phase: Mapped[str] = mapped_column(String(20))
    # What was asked, as the API shows it (secret values already replaced by "***").
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    # What the sequencer sends, resolved once when the action was requested (the 1.6 key or the
    # 2.0.1 address, the value's kind for the read-back, whether the key can be read back at all).
    target: Mapped[dict[str, Any]] = mapped_column(JSON)
    # A secret value (AuthorizationKey, BasicAuthPassword) waiting to be sent, encrypted; cleared once sent.
    secret: Mapped[str | None] = mapped_column(Text, nullable=True)
    response_data: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    waiting_for: Mapped[str | None] = mapped_column(String(300), nullable=True)
    # Audit: who asked, why, and the value before and after.
    created_by: Mapped[str | None] = mapped_column(String(24), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    value_before: Mapped[str | None] = mapped_column(Text, nullable=True)
    value_after: Mapped[str | None] = mapped_column(Text, nullable=True)
    message_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ReportedSetting(Base):
    """One configuration key (1.6) or device-model variable (2.0.1) as the station last reported it."""

    __tablename__ = "reported_settings"

    station_id: Mapped[str] = mapped_column(ID, ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True)
    # 1.6: the key; 2.0.1: Component[instance].Variable[instance], with @evse/connector on the component
    # (four names of up to 50 characters, brackets, the EVSE and connector ids: at most about 230).
    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text, nullable=True)
    readonly: Mapped[bool] = mapped_column(Boolean)
    writeonly: Mapped[bool] = mapped_column(Boolean, default=False)
    # 2.0.1: the address and characteristics exactly as reported (dataType, limits, valuesList, unit).
    address: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    characteristics: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class PendingPassword(Base):
    """A password (AuthorizationKey, BasicAuthPassword) that a change has sent to a station, while the
    station's answer has not settled whether it holds it: accepted besides the current one.

    One row per change; Rejected removes its row, Accepted or a login with one of them makes that one
    the station's password and removes them all (core/sequencer.py, gateway/admission.py).
    """

    __tablename__ = "pending_passwords"

    action_id: Mapped[str] = mapped_column(ID, ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True)
    station_id: Mapped[str] = mapped_column(ID, ForeignKey("stations.id", ondelete="CASCADE"), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ConfigurationState(Base):
    """Per station: when its configuration was last read, and whether it waits for a reboot."""

    __tablename__ = "configuration_states"

    station_id: Mapped[str] = mapped_column(ID, ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    reboot_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    reboot_pending_since: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_change_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The last BootNotification seen: a reboot pending since before it has happened.
    booted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
