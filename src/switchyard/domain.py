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
    # The security profile the station is being moved to: until the move is settled it may connect
    # with either profile (gateway/admission.py).
    migrating_security_profile: int | None = None


@dataclass(frozen=True, slots=True)
class StationUpdate:
    """A registry change that a live session of the station must see at once."""

    identity: str
    registration_state: RegistrationState
    serial_number: str | None
    ocpp_version: str
    migrating_security_profile: int | None


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


# -- provisioning: network profiles, CA certificates, station passwords (ports.StationControl) ------


class ProvisionStatus(StrEnum):
    """What a station said to one provisioning request, in either version's words."""

    ACCEPTED = "accepted"
    # Stored; takes effect after the next reboot (the station does not reboot by itself).
    REBOOT_REQUIRED = "reboot_required"
    # The station can do this but refused this value (bad content, a security downgrade, a used slot).
    REJECTED = "rejected"
    # The station took the request but could not carry it out (storing the profile or certificate failed).
    FAILED = "failed"
    # The station, or its OCPP version, cannot do this at all: the message or key is unknown to it
    # (CALLERROR NotImplemented/NotSupported, an unknown key or variable), or nothing was sent because
    # the version has no way to say it.
    NOT_SUPPORTED = "not_supported"
    # A status word no version defines.
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class ProvisionResult:
    status: ProvisionStatus
    # The station's own words, as an action's response_data keeps them: {"status": …, "statusInfo": …},
    # {"callError": code, "description": …}, or {"reason": …} for a request that was never sent.
    answer: dict[str, Any]
    # False: decided without asking the station (its version cannot carry the request).
    sent: bool = True


class ProfileProtocol(StrEnum):
    """The OCPP version a network profile connects with. OCPP20 is the 2.0 family, 2.0.1 included."""

    OCPP12 = "ocpp1.2"
    OCPP15 = "ocpp1.5"
    OCPP16 = "ocpp1.6"
    OCPP20 = "ocpp2.0"


class ProfileTransport(StrEnum):
    JSON = "json"
    SOAP = "soap"


class NetworkInterface(StrEnum):
    """The station's network interface a profile uses."""

    WIRED0 = "wired0"
    WIRED1 = "wired1"
    WIRED2 = "wired2"
    WIRED3 = "wired3"
    WIRELESS0 = "wireless0"
    WIRELESS1 = "wireless1"
    WIRELESS2 = "wireless2"
    WIRELESS3 = "wireless3"


class ApnAuthentication(StrEnum):
    CHAP = "chap"
    NONE = "none"
    PAP = "pap"
    AUTO = "auto"


@dataclass(frozen=True, slots=True)
class Apn:
    """A cellular data connection. Secrets (password, SIM PIN) stay out of repr, as everywhere."""

    apn: str
    authentication: ApnAuthentication
    user_name: str | None = None
    password: str | None = field(default=None, repr=False)
    sim_pin: int | None = field(default=None, repr=False)
    # MCC and MNC concatenated ("20404").
    preferred_network: str | None = None
    use_only_preferred_network: bool = False


class VpnType(StrEnum):
    IKEV2 = "ikev2"
    IPSEC = "ipsec"
    L2TP = "l2tp"
    PPTP = "pptp"


@dataclass(frozen=True, slots=True)
class Vpn:
    server: str
    user: str
    password: str = field(repr=False)
    # The shared secret.
    key: str = field(repr=False)
    type: VpnType
    group: str | None = None


@dataclass(frozen=True, slots=True)
class NetworkProfile:
    """How a station reaches a CSMS from one configuration slot: its URL (without the station identity,
    which the station adds), security profile, OCPP version, transport, interface and message timeout."""

    csms_url: str
    protocol: ProfileProtocol
    security_profile: int
    interface: NetworkInterface
    # Seconds before a message the station sends over this connection times out (30 is the spec's hint).
    message_timeout: int = 30
    transport: ProfileTransport = ProfileTransport.JSON
    apn: Apn | None = None
    vpn: Vpn | None = None


class CertificateKind(StrEnum):
    """Which trust anchor a CA certificate becomes on the station."""

    # Verifies the CSMS's TLS server certificate.
    CSMS_ROOT = "csms_root"
    # Verifies firmware signed by the manufacturer.
    MANUFACTURER_ROOT = "manufacturer_root"


@dataclass(frozen=True, slots=True)
class CaCertificate:
    kind: CertificateKind
    # One PEM-encoded X.509 certificate.
    pem: str


@dataclass(frozen=True, slots=True)
class StationPassword:
    """The password a station gives in HTTP Basic authentication; never in repr, logs or answers."""

    value: str = field(repr=False)
