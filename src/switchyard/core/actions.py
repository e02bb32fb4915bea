"""Actions: durable requests to stations, their eDRV JSON, and their webhook events.

Every change of an action's status is written in one transaction with the webhook event that
announces it (the outbox), so an event exists exactly when its state change does.
"""

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from switchyard.clock import iso_utc
from switchyard.core.action_targets import ReadTarget, ResetTarget, SettingTarget
from switchyard.core.webhooks.outbox import enqueue
from switchyard.ids import new_id
from switchyard.ports.configuration import ActionRecord, ConfigurationTx


class ActionType(StrEnum):
    UPDATE_CONFIGURATION = "chargestation.update_configuration"
    GET_CONFIGURATION = "chargestation.get_configuration"
    RESET = "chargestation.reset"


class Status(StrEnum):
    REQUESTED = "requested"
    COMPLETED = "completed"
    REJECTED = "rejected"
    FAILED = "failed"


class Phase(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    READING_BACK = "reading_back"
    AWAITING_REBOOT = "awaiting_reboot"
    DONE = "done"


TERMINAL = frozenset({Status.COMPLETED, Status.REJECTED, Status.FAILED})
# The webhook event a status announces (eDRV: a completed action is "accepted").
EVENT_SUFFIX = {
    Status.REQUESTED: "requested",
    Status.COMPLETED: "accepted",
    Status.REJECTED: "rejected",
    Status.FAILED: "failed",
}


def expires_at(requested_at: datetime, expiry_seconds: float) -> datetime:
    """When an action requested at `requested_at` expires: it is never sent after then (an action that
    already left ends then with what is known of it; core/action_steps.py)."""
    return requested_at + timedelta(seconds=expiry_seconds)


def render(action: ActionRecord, *, full: bool = False) -> dict[str, Any]:
    """The action exactly as the eDRV API shows it; `full` adds Switchyard's progress and audit fields.

    Webhooks and default API answers carry the seed's fields only, so an eDRV client sees the shapes
    it was written against; the CLI and console ask for the full view.
    """
    out: dict[str, Any] = {
        "_id": action.id,
        "type": action.type,
        "status": action.status,
        "chargestation": action.station_id,
        "data": action.data,
    }
    if action.response_data is not None:
        out["response_data"] = action.response_data
    out["createdAt"] = iso_utc(action.created_at)
    out["updatedAt"] = iso_utc(action.updated_at)
    if full:
        out["phase"] = action.phase
        out["waitingFor"] = action.waiting_for
        out["expiresAt"] = iso_utc(action.expires_at)
        out["audit"] = {
            "requestedBy": action.created_by,
            "reason": action.reason,
            "valueBefore": action.value_before,
            "valueAfter": action.value_after,
        }
    return out


def queued_action(
    *,
    operator_id: str,
    station_id: str,
    type: ActionType,
    data: dict[str, Any],
    target: SettingTarget | ResetTarget | ReadTarget,
    now: datetime,
    expires_at: datetime,
    created_by: str | None = None,
    reason: str | None = None,
    value_before: str | None = None,
    secret: str | None = None,
    action_id: str | None = None,
) -> ActionRecord:
    """A new action, queued (not stored yet: `Actions.add`, or `add_many` for a batch)."""
    return ActionRecord(
        id=action_id or new_id(),
        operator_id=operator_id,
        station_id=station_id,
        type=type.value,
        status=Status.REQUESTED.value,
        phase=Phase.QUEUED.value,
        data=data,
        target=target.stored(),
        secret=secret,
        created_by=created_by,
        reason=reason,
        value_before=value_before,
        expires_at=expires_at,
        created_at=now,
        updated_at=now,
    )


def announce_sent(tx: ConfigurationTx, action: ActionRecord, now: datetime) -> None:
    """The `requested` event, in the transaction that marks the action as being sent (once per action)."""
    _announce(tx, action, Status.REQUESTED, now)


async def update_action(
    tx: ConfigurationTx,
    action: ActionRecord,
    now: datetime,
    *,
    status: Status | None = None,
    phase: Phase | None = None,
    response_data: dict[str, Any] | None = None,
    waiting_for: str | None = None,
    value_after: str | None = None,
) -> None:
    """Move an action on (`action` takes the new values); a new status is announced by its webhook
    event in the same transaction.

    A write that may run twice (the group commit) passes a fresh copy each time: a copy already
    moved on would not announce its status again."""
    announce = status is not None and status.value != action.status
    if status is not None:
        action.status = status.value
    if phase is not None:
        action.phase = phase.value
    if response_data is not None:
        action.response_data = response_data
    if value_after is not None:
        action.value_after = value_after
    action.waiting_for = waiting_for
    if action.status in TERMINAL:
        action.secret = None  # a secret is kept only until it is sent
    action.updated_at = now
    await tx.actions.update(
        action.id,
        {
            "status": action.status,
            "phase": action.phase,
            "response_data": action.response_data,
            "value_after": action.value_after,
            "waiting_for": action.waiting_for,
            "secret": action.secret,
            "updated_at": now,
        },
    )
    if announce and status is not None:
        _announce(tx, action, status, now)


def _announce(tx: ConfigurationTx, action: ActionRecord, status: Status, now: datetime) -> None:
    enqueue(
        tx.outbox,
        operator_id=action.operator_id,
        station_id=action.station_id,
        event_type=f"{action.type}.{EVENT_SUFFIX[status]}",
        data=render(action),
        now=now,
    )
