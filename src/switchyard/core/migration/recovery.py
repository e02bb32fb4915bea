"""Picking a station's procedure up again: after a restart of the node (`resume`), and when an operator
runs an ended station again (`retry`)."""

from dataclasses import replace
from datetime import datetime

from switchyard.core.migration.model import StationState, Step
from switchyard.core.migration.procedure import (
    Outcome,
    cleanup_command,
    gone_already,
    next_undo,
    step,
    to_priority,
    to_reset,
)
from switchyard.core.migration.state import Context, Procedure
from switchyard.core.migration.steps import Begin, ReadNetwork, ReadSlot, WaitUntilIdle, WriteSlot


def resume(procedure: Procedure, context: Context, now: datetime) -> Outcome:
    """What a restarted node does for a procedure persisted at its step. Reads and writes of the same
    value are asked again; a reset whose answer was not recorded is not: the station's next
    appearance says whether it happened (`StillHere`, `CameBack`, `Arrived`)."""
    step_ = procedure.step
    if step_ is Step.PREFLIGHT:
        return step(procedure, Begin(now), context)
    if step_ is Step.READ_BEFORE:
        wants_roots = context.method.lists_certificates and context.target.url.lower().startswith("wss://")
        return procedure, [ReadNetwork(certificates=wants_roots)]
    if step_ is Step.WRITE_SLOT and procedure.slot is not None:
        return procedure, [WriteSlot(procedure.slot, context.method.profile(context.target))]
    if step_ is Step.READ_BACK and procedure.slot is not None:
        return procedure, [ReadSlot(procedure.slot)]
    if step_ is Step.SET_PRIORITY:
        return to_priority(procedure)
    if step_ is Step.WAIT_IDLE:
        if context.method.station_waits_for_idle or context.target.force_reset:
            return to_reset(procedure, now, context)
        return procedure, [WaitUntilIdle()]
    if step_ in (Step.RESET, Step.AWAIT_ARRIVAL):
        return gone_already(replace(procedure, step=Step.AWAIT_ARRIVAL), [])
    if step_ is Step.EXPLAIN_FALLBACK:
        return procedure, [ReadNetwork()]
    if step_ is Step.CLEANUP:
        command = cleanup_command(procedure, context)
        return (procedure, [command]) if command is not None else (replace(procedure, step=Step.DONE), [])
    if step_ is Step.ROLLBACK:
        return next_undo(procedure, context)
    return procedure, []


def retry(procedure: Procedure) -> Procedure:
    """The procedure to run again: a station that fell back with the new slot still first is reset
    again; anything else starts over from reading its settings."""
    after = procedure.after
    if procedure.state is StationState.FELL_BACK and after is not None and after.first == procedure.slot:
        again = replace(procedure, state=StationState.IN_PROGRESS, step=Step.WAIT_IDLE, reason=None, resets=0)
        return replace(again, departed=False)
    return Procedure()
