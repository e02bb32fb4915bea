"""One station's migration as a pure state machine: `step(procedure, event, context) -> (procedure, commands)`.

The steps, for either method (`methods.py` answers the version-specific questions):

    read_before → write_slot → [read_back] → set_priority → [wait_idle] → reset → await_arrival
        → confirmed (→ cleanup)   or   → explain_fallback → fell_back   or   → failed (deadline)

A failure after something was written undoes it (`rollback`: the old priority, and in 1.6 the old
slot value) before the station is marked failed, so no station is left half-migrated. A cancel is
honoured at the next point where it cannot leave anything half-done: before the reset it undoes what
was written; once the reset is sent the station is on its way and the procedure sees it through.

The driver persists the procedure after every step, before it carries out the commands, so a
restarted node resumes from the step (`recovery.py`): a reset whose answer was not recorded is not
sent again unless the station shows it never rebooted, and a reset is sent at most twice.
"""

from dataclasses import replace
from datetime import datetime

from switchyard.core.migration.methods import new_priority
from switchyard.core.migration.model import ConfirmationMode, StationState, Step
from switchyard.core.migration.preflight import check_picture
from switchyard.core.migration.state import Context, Procedure
from switchyard.core.migration.steps import (
    Announce,
    Arrived,
    AwaitArrival,
    Begin,
    CallFailed,
    CameBack,
    CancelRequested,
    Command,
    DeadlinePassed,
    Departed,
    Event,
    Idle,
    NetworkRead,
    Provisioned,
    ReadNetwork,
    ReadSlot,
    Reset,
    ResetAnswered,
    RollbackRequested,
    SetPriority,
    SlotRead,
    StillHere,
    WaitUntilIdle,
    WriteSlot,
    WriteSlotValue,
)
from switchyard.domain import ProvisionStatus

_STORED = frozenset({ProvisionStatus.ACCEPTED, ProvisionStatus.REBOOT_REQUIRED})
# What an undo puts back, in this order: the priority first, so the station never tries a slot
# that is being restored.
PRIORITY, SLOT = "priority", "slot"
# A lost reset is sent once more to a station still here; not for ever (each would move the deadline).
_RESETS = 2


Outcome = tuple[Procedure, list[Command]]


def step(procedure: Procedure, event: Event, context: Context) -> Outcome:
    if isinstance(event, CancelRequested):
        return _cancel(procedure, context)
    if isinstance(event, RollbackRequested):
        return _rollback(procedure, context)
    if procedure.ended:
        return procedure, []
    return _STEPS[procedure.step](procedure, event, context)


def can_rollback(procedure: Procedure) -> str | None:
    """None when an operator may roll the station back now, else why not."""
    if procedure.state is StationState.FELL_BACK or (
        procedure.state is StationState.FAILED
        and procedure.ended
        and (procedure.priority_set or procedure.slot_written)
    ):
        return None
    return f"a {procedure.state.value} station has nothing to roll back"


def _preflight(procedure: Procedure, event: Event, context: Context) -> Outcome:
    if not isinstance(event, Begin):
        return procedure, []
    wants_roots = context.method.lists_certificates and context.target.url.lower().startswith("wss://")
    started = replace(procedure, state=StationState.IN_PROGRESS, step=Step.READ_BEFORE)
    return started, [Announce("started"), ReadNetwork(certificates=wants_roots)]


def _read_before(procedure: Procedure, event: Event, context: Context) -> Outcome:
    if isinstance(event, CallFailed):
        return _end(procedure, StationState.FAILED, f"could not read its network settings: {event.error}")
    if not isinstance(event, NetworkRead):
        return procedure, []
    procedure = replace(procedure, before=event.picture)
    verdict = check_picture(context.method, context.target, event.picture, event.certificates, context.target_root_pem)
    if not verdict.passed or verdict.slot is None:
        return _end(procedure, verdict.state, "; ".join(verdict.reasons))
    if procedure.cancelling:
        return _end(procedure, StationState.CANCELLED, "cancelled before anything was changed")
    slot = verdict.slot
    written = replace(procedure, slot=slot, step=Step.WRITE_SLOT)
    return written, [WriteSlot(slot, context.method.profile(context.target))]


def _write_slot(procedure: Procedure, event: Event, context: Context) -> Outcome:
    slot = procedure.slot
    if isinstance(event, CallFailed):
        # No answer: the slot may have been written all the same, so it is put back.
        maybe = replace(procedure, slot_written=True)
        return _undo(maybe, context, StationState.FAILED, f"writing slot {slot} failed: {event.error}", (SLOT,))
    if not isinstance(event, Provisioned):
        return procedure, []
    if event.status is ProvisionStatus.NOT_SUPPORTED:
        return _end(procedure, StationState.UNSUPPORTED, f"the station cannot store a network slot: {event.answer}")
    if event.status not in _STORED:
        return _end(
            procedure, StationState.FAILED, f"the station refused the target URL for slot {slot}: {event.answer}"
        )
    procedure = replace(procedure, slot_written=True)
    announce = Announce("slot_written", {"slot": slot})
    if procedure.cancelling:
        return _with(announce, _undo(procedure, context, StationState.CANCELLED, "cancelled", (SLOT,)))
    if context.method.reads_slot_back and slot is not None:
        return replace(procedure, step=Step.READ_BACK), [announce, ReadSlot(slot)]
    return _with(announce, to_priority(procedure))


def _read_back(procedure: Procedure, event: Event, context: Context) -> Outcome:
    slot = procedure.slot
    if isinstance(event, CallFailed):
        reason = f"reading slot {slot} back failed: {event.error}"
        return _undo(procedure, context, StationState.FAILED, reason, (SLOT,))
    if not isinstance(event, SlotRead):
        return procedure, []
    if event.value != context.target.url:
        reason = f"slot {slot} reads back {event.value!r}, not the target URL: the station did not store it"
        return _undo(procedure, context, StationState.FAILED, reason, (SLOT,))
    if procedure.cancelling:
        return _undo(procedure, context, StationState.CANCELLED, "cancelled", (SLOT,))
    return to_priority(procedure)


def to_priority(procedure: Procedure) -> Outcome:
    before = procedure.before.priority if procedure.before is not None else ()
    assert procedure.slot is not None
    return replace(procedure, step=Step.SET_PRIORITY), [SetPriority(new_priority(before, procedure.slot))]


def _set_priority(procedure: Procedure, event: Event, context: Context) -> Outcome:
    if isinstance(event, CallFailed):
        reason = f"setting the priority failed: {event.error}"
        maybe = replace(procedure, priority_set=True)
        return _undo(maybe, context, StationState.FAILED, reason, (PRIORITY, SLOT))
    if not isinstance(event, Provisioned):
        return procedure, []
    if event.status not in _STORED:
        reason = f"the station refused the new priority: {event.answer}"
        return _undo(procedure, context, StationState.FAILED, reason, (SLOT,))
    procedure = replace(procedure, priority_set=True)
    announce = Announce("priority_set", {"slot": procedure.slot})
    if procedure.cancelling:
        return _with(announce, _undo(procedure, context, StationState.CANCELLED, "cancelled", (PRIORITY, SLOT)))
    if context.method.station_waits_for_idle or context.target.force_reset:
        return _with(announce, to_reset(procedure, event.at, context))
    return replace(procedure, step=Step.WAIT_IDLE), [announce, WaitUntilIdle()]


def _wait_idle(procedure: Procedure, event: Event, context: Context) -> Outcome:
    if isinstance(event, Idle):
        return to_reset(procedure, event.at, context)
    return procedure, []


def to_reset(procedure: Procedure, at: datetime, context: Context) -> Outcome:
    resets = procedure.resets + 1
    resetting = replace(procedure, step=Step.RESET, reset_at=at, reset_answered=False, departed=False, resets=resets)
    return resetting, [Reset(context.method.reset_kind)]


def _reset(procedure: Procedure, event: Event, context: Context) -> Outcome:
    if isinstance(event, Departed):
        # Heard leaving before its answer (or the call's failure) is: that still comes and moves on.
        return replace(procedure, departed=True), []
    if isinstance(event, ResetAnswered):
        if not event.accepted:
            reason = f"the station refused the reset: {event.answer}"
            return _undo(procedure, context, StationState.FAILED, reason, (PRIORITY, SLOT))
        awaiting = replace(procedure, step=Step.AWAIT_ARRIVAL, reset_answered=True)
        return gone_already(awaiting, [Announce("reset", {"answer": event.answer})])
    if isinstance(event, CallFailed):
        # The reset may have been carried out: only the station's next appearance tells.
        waiting = replace(procedure, step=Step.AWAIT_ARRIVAL, reason=f"the reset got no answer ({event.error})")
        return gone_already(waiting, [])
    if isinstance(event, Arrived | CameBack):
        return _await_arrival(replace(procedure, step=Step.AWAIT_ARRIVAL), event, context)
    return procedure, []


def gone_already(procedure: Procedure, announced: list[Command]) -> Outcome:
    """Waiting for the arrival; a departure heard before the reset's answer is told after it."""
    if procedure.departed and procedure.state is not StationState.DEPARTED:
        return replace(procedure, state=StationState.DEPARTED), [*announced, Announce("departed"), AwaitArrival()]
    return procedure, [*announced, AwaitArrival()]


def _await_arrival(procedure: Procedure, event: Event, context: Context) -> Outcome:
    if isinstance(event, Departed):
        if procedure.departed:
            return procedure, []
        return replace(procedure, state=StationState.DEPARTED, departed=True), [Announce("departed")]
    if isinstance(event, Arrived):
        return _confirmed(procedure, event, context)
    if isinstance(event, CameBack):
        return replace(procedure, step=Step.EXPLAIN_FALLBACK), [ReadNetwork()]
    if isinstance(event, StillHere) and not procedure.reset_answered and not procedure.departed:
        if procedure.resets >= _RESETS:
            reason = f"the station did not reboot: the reset was sent {procedure.resets} times without a usable answer"
            return _undo(procedure, context, StationState.FAILED, reason, (PRIORITY, SLOT))
        return to_reset(replace(procedure, reason=None), event.at, context)
    if isinstance(event, DeadlinePassed):
        seconds = context.target.confirmation.deadline_seconds
        waited = "confirmed" if context.target.confirmation.mode is ConfirmationMode.EXTERNAL else "seen at the target"
        return _end(procedure, StationState.FAILED, f"not {waited} within {seconds} s of the reset")
    return procedure, []


def _confirmed(procedure: Procedure, event: Arrived, context: Context) -> Outcome:
    confirmed = replace(procedure, state=StationState.CONFIRMED, reason=None)
    announced: list[Command] = [Announce("arrived", {"by": event.by}), Announce("confirmed", {"by": event.by})]
    here = context.target.confirmation.mode is ConfirmationMode.SAME_DEPLOYMENT
    cleanup = cleanup_command(procedure, context) if context.target.cleanup and here else None
    if cleanup is None:
        return replace(confirmed, step=Step.DONE), announced
    return replace(confirmed, step=Step.CLEANUP), [*announced, cleanup]


def cleanup_command(procedure: Procedure, context: Context) -> Command | None:
    before = procedure.before
    if before is None or procedure.slot is None or before.first is None:
        return None
    if context.method.reads_slot_back:
        return WriteSlotValue(before.first, "")
    return SetPriority((procedure.slot,))


def _cleanup(procedure: Procedure, event: Event, context: Context) -> Outcome:
    if isinstance(event, Provisioned) and event.status in _STORED:
        return replace(procedure, step=Step.DONE), [Announce("cleaned_up")]
    if isinstance(event, Provisioned | CallFailed):
        what = event.error if isinstance(event, CallFailed) else event.answer
        return replace(procedure, step=Step.DONE, reason=f"confirmed; cleaning up the old slot failed: {what}"), []
    return procedure, []


def _explain_fallback(procedure: Procedure, event: Event, context: Context) -> Outcome:
    if isinstance(event, NetworkRead) and procedure.before is not None and procedure.slot is not None:
        reason = context.method.explain_fallback(procedure.before, event.picture, procedure.slot)
        return _end(replace(procedure, after=event.picture), StationState.FELL_BACK, reason)
    if isinstance(event, CallFailed):
        return _end(
            procedure, StationState.FELL_BACK, f"came back here; its network settings could not be read: {event.error}"
        )
    return procedure, []


def _cancel(procedure: Procedure, context: Context) -> Outcome:
    if procedure.step is Step.PREFLIGHT:
        return _end(procedure, StationState.CANCELLED, "cancelled before it started")
    if procedure.step is Step.WAIT_IDLE:
        return _undo(procedure, context, StationState.CANCELLED, "cancelled", (PRIORITY, SLOT))
    if procedure.step in (Step.READ_BEFORE, Step.WRITE_SLOT, Step.READ_BACK, Step.SET_PRIORITY):
        # A call is under way: its answer decides what there is to undo.
        return replace(procedure, cancelling=True), []
    return procedure, []


def _rollback(procedure: Procedure, context: Context) -> Outcome:
    if can_rollback(procedure) is not None:
        return procedure, []
    reason = f"rolled back on request (it had {procedure.state.value}: {procedure.reason})"
    rolling = replace(procedure, state=StationState.IN_PROGRESS)
    return _undo(rolling, context, StationState.ROLLED_BACK, reason, (PRIORITY, SLOT))


def _undo(
    procedure: Procedure, context: Context, to: StationState, reason: str | None, what: tuple[str, ...]
) -> Outcome:
    """Put back what this procedure changed (of `what`), then end in `to`."""
    undo = tuple(
        item
        for item in what
        if (item == PRIORITY and procedure.priority_set)
        or (item == SLOT and procedure.slot_written and context.method.reads_slot_back)
    )
    procedure = replace(procedure, undo=undo, undo_to=to, reason=reason, step=Step.ROLLBACK)
    return next_undo(procedure, context)


def next_undo(procedure: Procedure, context: Context) -> Outcome:
    if not procedure.undo:
        to = procedure.undo_to or StationState.FAILED
        announce = [Announce("rolled_back")] if procedure.restored else []
        cleared = replace(procedure, undo_to=None, restored=False)
        ended, commands = _end(cleared, to, procedure.reason)
        return ended, [*announce, *commands]
    before = procedure.before
    assert before is not None
    assert procedure.slot is not None
    if procedure.undo[0] == PRIORITY:
        return procedure, [SetPriority(before.priority)]
    return procedure, [WriteSlotValue(procedure.slot, before.slots.get(procedure.slot) or "")]


def _rolling_back(procedure: Procedure, event: Event, context: Context) -> Outcome:
    if isinstance(event, Provisioned) and event.status in _STORED:
        done = procedure.undo[0]
        procedure = replace(
            procedure,
            undo=procedure.undo[1:],
            priority_set=procedure.priority_set and done != PRIORITY,
            slot_written=procedure.slot_written and done != SLOT,
            restored=True,
        )
        return next_undo(procedure, context)
    if isinstance(event, Provisioned | CallFailed):
        what = event.error if isinstance(event, CallFailed) else event.answer
        reason = f"{procedure.reason}; restoring the old {procedure.undo[0]} failed ({what}): check the station"
        return _end(replace(procedure, undo=(), undo_to=None), StationState.FAILED, reason)
    return procedure, []


def _end(procedure: Procedure, state: StationState, reason: str | None) -> Outcome:
    ended = replace(procedure, state=state, step=Step.DONE, reason=reason, cancelling=False)
    events = {
        StationState.FAILED: "failed",
        StationState.FELL_BACK: "fell_back",
        StationState.UNSUPPORTED: "failed",
        StationState.PREFLIGHT_FAILED: "failed",
    }
    name = events.get(state)
    return ended, [Announce(name, {"reason": reason})] if name else []


def _with(first: Command, outcome: Outcome) -> Outcome:
    procedure, commands = outcome
    return procedure, [first, *commands]


_STEPS = {
    Step.PREFLIGHT: _preflight,
    Step.READ_BEFORE: _read_before,
    Step.WRITE_SLOT: _write_slot,
    Step.READ_BACK: _read_back,
    Step.SET_PRIORITY: _set_priority,
    Step.WAIT_IDLE: _wait_idle,
    Step.RESET: _reset,
    Step.AWAIT_ARRIVAL: _await_arrival,
    Step.EXPLAIN_FALLBACK: _explain_fallback,
    Step.CLEANUP: _cleanup,
    Step.ROLLBACK: _rolling_back,
}
