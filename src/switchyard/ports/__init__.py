"""The seams between core services and the outside: stations, the station link, station control,
the station directory.

Core code depends on these protocols only, so a later node-to-node implementation (NATS) can stand
in for the in-process one without touching callers.
"""

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from switchyard.domain import (
    ACTUAL,
    BootDecision,
    BootInfo,
    CaCertificate,
    CertificateKind,
    ChangeResult,
    ConnectorStatus,
    NetworkProfile,
    ProvisionResult,
    ReportPage,
    ResetKind,
    ResetResult,
    SecurityEvent,
    Setting,
    StationPassword,
    StationRecord,
    StationRef,
    TransactionOutcome,
    TransactionUpdate,
)
from switchyard.station_network import InstalledCertificate, NetworkPicture

# Told how far a long read has come, in words.
Progress = Callable[[str], Awaitable[None]]


class StationLink(Protocol):
    """Calls a station wherever its socket is.

    Returns the station's validated CALLRESULT payload, or raises `CallError` (the station answered
    with a CALLERROR), `CallTimeout`, `NotConnected`, `InvalidResponse`, or `InvalidRequest` (our
    payload failed validation; nothing was sent).
    """

    async def call(
        self, identity: str, action: str, payload: dict[str, Any], timeout: float | None = None
    ) -> dict[str, Any]: ...

    def is_connected(self, identity: str) -> bool: ...

    def ready_in(self, identity: str) -> float | None:
        """Seconds until management calls may be sent to the station (0.0: now; None: not connected,
        or its boot was rejected)."""
        ...


class StationControl(Protocol):
    """What core asks of a station, in domain values; each OCPP version's adapter says it on the wire
    (`protocol/v16/control.py`, `protocol/v201/control.py`) and turns the answers into one vocabulary.

    Calls raise what `StationLink.call` raises; a read the station cannot complete raises `ReadFailed`.
    The provisioning operations (network profiles, the connection priority, CA certificates, the Basic-auth
    password) answer in `ProvisionStatus`: a station that does not know the message (CALLERROR
    NotImplemented or NotSupported), the key or the variable, or a version that cannot carry the request
    (nothing is sent), is `not_supported`; other CALLERRORs and timeouts raise, as for `change`.
    """

    def limit_names(self, station: StationRef) -> tuple[str, ...]:
        """The settings whose reported values bound how many names one `read_values` request carries."""
        ...

    async def read_all(self, station: StationRef, timeout: float, progress: Progress | None = None) -> list[Setting]:
        """Every setting the station has; `progress` hears how far a paged report has come."""
        ...

    async def read_values(
        self,
        station: StationRef,
        names: Sequence[str],
        timeout: float,
        limits: Mapping[str, str | None],
        attribute: str = ACTUAL,
    ) -> dict[str, str | None]:
        """The current values of `names` (None: unknown to the station), in requests that respect the
        reported `limits` (values of `limit_names`)."""
        ...

    async def change(
        self, station: StationRef, name: str, value: str, timeout: float, attribute: str = ACTUAL
    ) -> ChangeResult: ...

    async def reset(self, station: StationRef, kind: ResetKind, timeout: float) -> ResetResult: ...

    def reset_waits_for_idle(self, station: StationRef, kind: ResetKind) -> bool:
        """Whether the station holds the reset until no transaction runs (2.0.1 OnIdle, B12.FR.01), so
        sending it cannot interrupt a charging session."""
        ...

    async def set_network_profile(
        self, station: StationRef, slot: int, profile: NetworkProfile, timeout: float
    ) -> ProvisionResult:
        """Store `profile` in the station's configuration slot `slot` (it is used once the connection
        priority names the slot and the station reconnects)."""
        ...

    async def set_connection_priority(
        self, station: StationRef, slots: Sequence[int], timeout: float
    ) -> ProvisionResult:
        """The order in which the station tries its configuration slots, first tried first."""
        ...

    async def install_ca_certificate(
        self, station: StationRef, certificate: CaCertificate, timeout: float
    ) -> ProvisionResult:
        """Add a trust anchor: a CSMS root (for the TLS of the next CSMS) or a manufacturer root."""
        ...

    async def set_basic_auth_password(
        self, station: StationRef, password: StationPassword, timeout: float
    ) -> ProvisionResult:
        """The password the station gives from its next connection on (HTTP Basic, profiles 1 and 2)."""
        ...

    async def read_network(self, station: StationRef, timeout: float) -> NetworkPicture:
        """The station's network slots, their priority and the settings around them, read now. Settings
        the station does not know are listed in `missing`, not raised."""
        ...

    async def installed_ca_certificates(
        self, station: StationRef, kind: CertificateKind, timeout: float
    ) -> list[InstalledCertificate] | None:
        """The CA certificates of `kind` installed on the station; None when its version has no way to
        ask (nothing is sent) or the station does not know the message."""
        ...


class ConnectionLog(Protocol):
    """Where the gateway writes who is connected, and when each station was last seen (write-behind:
    none of these wait for the database)."""

    def connected(self, station_id: str, node: str, at: datetime) -> None: ...

    def disconnected(self, station_id: str, last_seen: datetime) -> None: ...

    def seen(self, seen: Iterable[tuple[str, datetime]]) -> None:
        """Last-seen times of connected stations that moved since they were written."""
        ...


class MessageRecords(Protocol):
    """Where the message log's rows go (write-behind; the recorder sheds them under congestion)."""

    def message(self, row: dict[str, Any]) -> None:
        """One row: station_id, identity, direction, message_type, action, message_id, at, payload
        (JSON text, possibly cut), size, truncated."""
        ...


class ActivityRecords(Protocol):
    """Where what stations report is written (write-behind, by the recorder). Under congestion a
    caller that can hold its station back waits for room instead of adding to the backlog."""

    def station(self, station_id: str, **columns: Any) -> None:
        """Columns of the station's row, as reported (boot fields, firmware and diagnostics status)."""
        ...

    def connector(self, station_id: str, evse_id: int, connector_id: int, **columns: Any) -> None: ...

    def security_event(self, row: dict[str, Any]) -> None: ...

    def report_page(self, row: dict[str, Any]) -> None: ...

    @property
    def congested(self) -> bool: ...

    async def wait_for_room(self) -> None: ...


class TransactionLedger(Protocol):
    """Charging transactions as stations report them."""

    async def apply(self, station_id: str, update: TransactionUpdate, now: datetime) -> str:
        """Record the update; returns the transaction's reference (for 1.6 starts, a new one)."""
        ...


class Presence(Protocol):
    """Which stations have a live session, as the API shows it: on this node today; across nodes once
    presence travels between them."""

    @property
    def listening(self) -> bool:
        """The station listeners are up."""
        ...

    def connected_count(self) -> int: ...

    def last_seen(self, identity: str) -> datetime | None:
        """When the station's live session last heard from it; None when it has none here."""
        ...

    def connected_url(self, identity: str) -> str | None:
        """The URL the station's live session connected on, without its identity; None when it has
        none here."""
        ...


class StationDirectory(Protocol):
    """Looks stations up for the gateway when they connect."""

    async def find(self, identity: str) -> StationRecord | None: ...

    async def register_unknown(
        self, identity: str, ocpp_version: str, security_profile: int, password_hash: str | None
    ) -> StationRecord: ...

    async def passwords(self, station_id: str) -> tuple[str | None, list[str]]:
        """The station's password hash as stored now, and the hashes of passwords sent to it whose
        outcome is not known yet (newest first), read together."""
        ...

    async def adopt_password(self, station: StationRecord, password_hash: str) -> StationRecord | None:
        """The station logged in with a pending password: that is its password from now on, and the
        others are dropped. None when it was no longer pending (settled otherwise meanwhile)."""
        ...


class StationEvents(Protocol):
    """What stations tell us, in domain terms; the version adapters call this.

    `security_event` and `report_page` return an awaitable when what they record must wait for room
    (the recorder is congested): the handler answers the station once it is done, which holds the
    station back instead of letting its events pile up in memory."""

    def booted(self, station: StationRecord, info: BootInfo, url: str | None = None) -> BootDecision:
        """`url`: the URL the station connected on, without its identity (None when not known)."""
        ...

    def connector_status(self, station: StationRecord, status: ConnectorStatus) -> None: ...

    def security_event(self, station: StationRecord, event: SecurityEvent) -> Awaitable[None] | None: ...

    def firmware_status(self, station: StationRecord, status: str) -> None: ...

    def diagnostics_status(self, station: StationRecord, status: str) -> None: ...

    def report_page(self, station: StationRecord, page: ReportPage) -> Awaitable[None] | None: ...

    def authorize(self, station: StationRecord, id_token: str) -> str: ...

    async def transaction(self, station: StationRecord, update: TransactionUpdate) -> TransactionOutcome: ...
