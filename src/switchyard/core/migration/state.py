"""A station's migration procedure as it is persisted after every step, and what the steps need besides it."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from switchyard.clock import iso_utc
from switchyard.core.migration.methods import Method
from switchyard.core.migration.model import StationState, Step, Target
from switchyard.station_network import NetworkPicture


@dataclass(frozen=True, slots=True)
class Context:
    """What the procedure needs besides its own state; the same on every step."""

    method: Method
    target: Target
    # The target's root certificate (PEM), when the operator gave it, to find it on the station.
    target_root_pem: str | None = None


@dataclass(frozen=True, slots=True)
class Procedure:
    state: StationState = StationState.PENDING
    step: Step = Step.PREFLIGHT
    reason: str | None = None
    slot: int | None = None
    before: NetworkPicture | None = None
    after: NetworkPicture | None = None
    # What this procedure changed on the station (and an undo must put back).
    slot_written: bool = False
    priority_set: bool = False
    reset_at: datetime | None = None
    reset_answered: bool = False
    # Resets sent in this run: one whose answer was lost is sent again once at most (StillHere).
    resets: int = 0
    departed: bool = False
    cancelling: bool = False
    # An undo in progress: what is left to put back, and the state it ends in.
    undo: tuple[str, ...] = ()
    undo_to: StationState | None = None
    # An undo put something back (announced as rolled_back).
    restored: bool = False

    @property
    def ended(self) -> bool:
        return self.step is Step.DONE


def procedure_to_json(procedure: Procedure) -> dict[str, Any]:
    """The procedure as the fleet-job store keeps it (JSON-ready)."""
    return {
        "state": procedure.state.value,
        "step": procedure.step.value,
        "reason": procedure.reason,
        "slot": procedure.slot,
        "before": picture_to_json(procedure.before),
        "after": picture_to_json(procedure.after),
        "slotWritten": procedure.slot_written,
        "prioritySet": procedure.priority_set,
        "resetAt": iso_utc(procedure.reset_at) if procedure.reset_at is not None else None,
        "resetAnswered": procedure.reset_answered,
        "resets": procedure.resets,
        "departed": procedure.departed,
        "cancelling": procedure.cancelling,
        "undo": list(procedure.undo),
        "undoTo": procedure.undo_to.value if procedure.undo_to is not None else None,
        "restored": procedure.restored,
    }


def procedure_from_json(data: Mapping[str, Any]) -> Procedure:
    reset_at = data.get("resetAt")
    undo_to = data.get("undoTo")
    return Procedure(
        state=StationState(data["state"]),
        step=Step(data["step"]),
        reason=data.get("reason"),
        slot=data.get("slot"),
        before=picture_from_json(data.get("before")),
        after=picture_from_json(data.get("after")),
        slot_written=bool(data.get("slotWritten")),
        priority_set=bool(data.get("prioritySet")),
        reset_at=datetime.fromisoformat(reset_at) if reset_at else None,
        reset_answered=bool(data.get("resetAnswered")),
        resets=int(data.get("resets") or 0),
        departed=bool(data.get("departed")),
        cancelling=bool(data.get("cancelling")),
        undo=tuple(data.get("undo") or ()),
        undo_to=StationState(undo_to) if undo_to else None,
        restored=bool(data.get("restored")),
    )


def picture_to_json(picture: NetworkPicture | None) -> dict[str, Any] | None:
    if picture is None:
        return None
    return {
        "slots": {str(slot): url for slot, url in picture.slots.items()},
        "priority": list(picture.priority),
        "activeSlot": picture.active_slot,
        "securityProfile": picture.security_profile,
        "connectionTimeout": picture.connection_timeout,
        "connectionAttempts": picture.connection_attempts,
        "missing": list(picture.missing),
        "values": dict(picture.values),
    }


def picture_from_json(data: Mapping[str, Any] | None) -> NetworkPicture | None:
    if data is None:
        return None
    return NetworkPicture(
        slots={int(slot): url for slot, url in (data.get("slots") or {}).items()},
        priority=tuple(data.get("priority") or ()),
        active_slot=data.get("activeSlot"),
        security_profile=data.get("securityProfile"),
        connection_timeout=data.get("connectionTimeout"),
        connection_attempts=data.get("connectionAttempts"),
        missing=tuple(data.get("missing") or ()),
        values=dict(data.get("values") or {}),
    )
