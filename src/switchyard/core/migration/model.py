"""The words of a CSMS migration: where stations go, how arrival is confirmed, the states a station
passes through and the steps of its procedure.

The names are the API's (`POST /v1.1/migrations`); other clients are written against them.
"""

from dataclasses import dataclass
from enum import StrEnum

from switchyard.core.fleet_jobs.waves import MemberState
from switchyard.domain import NetworkInterface

KIND = "migration"
INBOUND_KIND = "inbound-migration"


class StationState(StrEnum):
    PENDING = "pending"
    # Refused before anything was sent: the reason says which check.
    PREFLIGHT_FAILED = "preflight_failed"
    # The station lacks what the method needs (keys, variables, messages): the reason lists them.
    UNSUPPORTED = "unsupported"
    IN_PROGRESS = "in_progress"
    # Reset and gone from here; arrival at the target not confirmed yet.
    DEPARTED = "departed"
    CONFIRMED = "confirmed"
    # Came back to this CSMS after the reset: the reason says why, from its network settings.
    FELL_BACK = "fell_back"
    FAILED = "failed"
    # The old priority (and, in 1.6, the old slot value) restored after a failure or on request.
    ROLLED_BACK = "rolled_back"
    CANCELLED = "cancelled"
    # Inbound: expected here and not seen yet, then seen.
    EXPECTED = "expected"
    ARRIVED = "arrived"


# How the wave rules see each station state.
OUTCOME: dict[StationState, MemberState] = {
    StationState.PENDING: MemberState.PENDING,
    StationState.PREFLIGHT_FAILED: MemberState.REFUSED,
    StationState.UNSUPPORTED: MemberState.REFUSED,
    StationState.IN_PROGRESS: MemberState.RUNNING,
    StationState.DEPARTED: MemberState.RUNNING,
    StationState.CONFIRMED: MemberState.SUCCEEDED,
    StationState.FELL_BACK: MemberState.FAILED,
    StationState.FAILED: MemberState.FAILED,
    StationState.ROLLED_BACK: MemberState.FAILED,
    StationState.CANCELLED: MemberState.CANCELLED,
    StationState.EXPECTED: MemberState.RUNNING,
    StationState.ARRIVED: MemberState.SUCCEEDED,
}
ENDED = frozenset(state for state, outcome in OUTCOME.items() if outcome is not MemberState.RUNNING) - {
    StationState.PENDING
}


class Step(StrEnum):
    """Where a station's procedure is; the API shows it as `step`."""

    PREFLIGHT = "preflight"
    READ_BEFORE = "read_before"
    WRITE_SLOT = "write_slot"
    READ_BACK = "read_back"
    SET_PRIORITY = "set_priority"
    WAIT_IDLE = "wait_idle"
    RESET = "reset"
    AWAIT_ARRIVAL = "await_arrival"
    EXPLAIN_FALLBACK = "explain_fallback"
    CLEANUP = "cleanup"
    ROLLBACK = "rollback"
    DONE = "done"


class MethodName(StrEnum):
    AUTO = "auto"
    NETWORK_PROFILE_16 = "1.6-network-profile"
    SET_NETWORK_PROFILE_201 = "2.0.1-set-network-profile"


class ConfirmationMode(StrEnum):
    # The target is this Switchyard (another endpoint or security profile): its boot here confirms.
    SAME_DEPLOYMENT = "same-deployment"
    # The target is another Switchyard, asked through its API.
    PEER = "peer"
    # Another CSMS, or a person, calls the confirm endpoint before the deadline.
    EXTERNAL = "external"


@dataclass(frozen=True, slots=True)
class Confirmation:
    mode: ConfirmationMode
    # Seconds after the reset by which the station must be confirmed at the target.
    deadline_seconds: int = 600
    # Peer mode: the peer's API base URL and an API key there (kept encrypted at rest).
    api_url: str | None = None
    api_key: str | None = None


@dataclass(frozen=True, slots=True)
class Target:
    """Where the stations go, and how."""

    url: str
    security_profile: int
    confirmation: Confirmation
    method: MethodName = MethodName.AUTO
    # 1.6 has no way to list installed CA certificates: for a wss target the operator states that
    # the target's root certificate is on the stations (seed 000's prerequisite).
    ca_installed: bool = False
    # Reset even while a transaction runs (otherwise a 1.6 station's Hard reset waits for idle).
    force_reset: bool = False
    # Blank (1.6) or drop from the priority (2.0.1) the old slot once the station is confirmed,
    # when this deployment holds the station (seed 000 step 7).
    cleanup: bool = False
    message_timeout: int = 30
    interface: NetworkInterface = NetworkInterface.WIRED0
