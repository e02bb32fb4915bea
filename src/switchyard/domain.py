"""The domain model the version adapters translate OCPP messages into; written once for every version."""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class BootStatus(StrEnum):
    ACCEPTED = "Accepted"
    PENDING = "Pending"
    REJECTED = "Rejected"


class RegistrationState(StrEnum):
    """What the operator decided about a station; drives the BootNotification answer."""

    ACCEPTED = "accepted"
    PENDING = "pending"
    REJECTED = "rejected"


class Scope(StrEnum):
    READ = "read"
    WRITE = "write"
    ADMIN = "admin"

    def allows(self, needed: "Scope") -> bool:
        order = (Scope.READ, Scope.WRITE, Scope.ADMIN)
        return order.index(self) >= order.index(needed)


@dataclass(slots=True)
class StationRecord:
    """What the gateway needs to know about a registered station when it connects."""

    station_id: str
    identity: str
    operator_id: str
    ocpp_version: str
    security_profile: int
    password_hash: str | None
    registration_state: RegistrationState
    last_boot_status: str | None
    serial_number: str | None
    # For the heartbeat interval given at boot: whether the operator's baseline pins the key, and the
    # HeartbeatInterval Switchyard last set on the station (core/baseline.py).
    baseline_enabled: bool = True
    heartbeat_interval: int | None = None


@dataclass(frozen=True, slots=True)
class StationUpdate:
    """A registry change that a live session of the station must see at once."""

    identity: str
    registration_state: RegistrationState
    serial_number: str | None
    ocpp_version: str


@dataclass(frozen=True, slots=True)
class BootInfo:
    vendor: str
    model: str
    serial_number: str | None = None
    firmware_version: str | None = None
    iccid: str | None = None
    imsi: str | None = None
    meter_type: str | None = None
    meter_serial_number: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class BootDecision:
    status: BootStatus
    interval: int


@dataclass(frozen=True, slots=True)
class ConnectorStatus:
    evse_id: int
    connector_id: int
    status: str
    error_code: str | None = None
    info: str | None = None
    vendor_error_code: str | None = None
    timestamp: str | None = None


@dataclass(frozen=True, slots=True)
class SecurityEvent:
    type: str
    timestamp: str
    tech_info: str | None = None


@dataclass(frozen=True, slots=True)
class LoginsThrottled:
    """Refused logins took a station identity or a source address past its free failures."""

    # "identity" or "source": which key tripped.
    by: str
    identity: str | None
    # The station behind `identity`, when Switchyard knows it.
    station: "StationRecord | None"
    source: str | None
    failures: int
    retry_after: float


@dataclass(frozen=True, slots=True)
class ReportPage:
    request_id: int
    seq_no: int
    tbc: bool
    generated_at: str
    report_data: list[dict[str, Any]] = field(default_factory=list)


class TransactionPhase(StrEnum):
    STARTED = "started"
    UPDATED = "updated"
    ENDED = "ended"


@dataclass(frozen=True, slots=True)
class TransactionUpdate:
    """A 1.6 Start/StopTransaction or a 2.0.1 TransactionEvent, in one shape."""

    phase: TransactionPhase
    timestamp: str
    # 1.6: our integer id (absent when starting); 2.0.1: the station's transactionId.
    transaction_ref: str | None = None
    evse_id: int | None = None
    connector_id: int | None = None
    id_token: str | None = None
    meter_wh: float | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class TransactionOutcome:
    transaction_ref: str
    id_token_status: str | None


# -- station control: what core asks of a station, whatever its OCPP version (ports.StationControl) --


@dataclass(frozen=True, slots=True)
class StationRef:
    """A station as a call to it needs it: who it is and which adapter speaks to it."""

    station_id: str
    identity: str
    ocpp_version: str


@dataclass(slots=True)
class Setting:
    """One setting as a station reports it: a 1.6 key, or a 2.0.1 variable named `Component.Variable`."""

    name: str
    value: str | None
    readonly: bool
    writeonly: bool = False
    # 2.0.1: the report's component and variable objects, and the variable's characteristics.
    address: dict[str, Any] | None = None
    characteristics: dict[str, Any] | None = None


# The attribute of a 2.0.1 variable a read or change means unless told otherwise (1.6 keys have only it).
ACTUAL = "Actual"


class ChangeStatus(StrEnum):
    """What a station said to one setting change, in either version's words."""

    ACCEPTED = "accepted"
    # Accepted, applied after the next reboot.
    REBOOT_REQUIRED = "reboot_required"
    # The station will not take it (rejected, unknown key or variable, unsupported attribute).
    REJECTED = "rejected"
    # A status word no version defines.
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class ChangeResult:
    status: ChangeStatus
    # The station's own words, as an action's response_data keeps them: {"status": …, "statusInfo": …}.
    answer: dict[str, Any]


class ResetKind(StrEnum):
    """Reboot now (1.6 Hard, 2.0.1 Immediate), or gently (1.6 Soft, 2.0.1 OnIdle)."""

    HARD = "Hard"
    SOFT = "Soft"

    @classmethod
    def named(cls, word: str) -> "ResetKind | None":
        """Either version's word for a reset kind (each works on either version's station)."""
        return _RESET_WORDS.get(word)


_RESET_WORDS = {
    "Hard": ResetKind.HARD,
    "Immediate": ResetKind.HARD,
    "Soft": ResetKind.SOFT,
    "OnIdle": ResetKind.SOFT,
}


@dataclass(frozen=True, slots=True)
class ResetResult:
    # The station will reboot (now, or once idle).
    accepted: bool
    answer: dict[str, Any]
