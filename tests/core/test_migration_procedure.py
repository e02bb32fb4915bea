"""One station's migration procedure, step by step: the commands each event leads to, for both methods,
and what is undone when something goes wrong. Each test is a script of (event, expected commands)."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from switchyard.core.migration.methods import METHODS
from switchyard.core.migration.model import (
    Confirmation,
    ConfirmationMode,
    MethodName,
    StationState,
    Step,
    Target,
)
from switchyard.core.migration.procedure import can_rollback, step
from switchyard.core.migration.recovery import resume, retry
from switchyard.core.migration.state import Context, Procedure, procedure_from_json, procedure_to_json
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
from switchyard.domain import ProvisionStatus, ResetKind
from switchyard.station_network import InstalledCertificate, NetworkPicture

T0 = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
OLD, NEW = "ws://csms-1.example.com/ocpp", "ws://csms-2.example.com/ocpp"
M16 = METHODS[MethodName.NETWORK_PROFILE_16]
M201 = METHODS[MethodName.SET_NETWORK_PROFILE_201]
BEFORE_16 = NetworkPicture(slots={1: OLD, 2: ""}, priority=(1, 2), connection_timeout=60)
BEFORE_201 = NetworkPicture(slots={1: None, 2: None, 3: None}, priority=(1,), active_slot=1, connection_attempts=3)
ACCEPTED = Provisioned(T0, ProvisionStatus.ACCEPTED, {"status": "Accepted"})
REBOOT = Provisioned(T0, ProvisionStatus.REBOOT_REQUIRED, {"status": "RebootRequired"})
REJECTED = Provisioned(T0, ProvisionStatus.REJECTED, {"status": "Rejected"})
ROOT = InstalledCertificate("CSMSRootCertificate", "SHA256", "aa", "bb", "1")


def target(
    url: str = NEW, profile: int = 1, mode: ConfirmationMode = ConfirmationMode.SAME_DEPLOYMENT, **kw: object
) -> Target:
    return Target(url, profile, Confirmation(mode, deadline_seconds=300), **kw)  # type: ignore[arg-type]


def context(method: object = M16, **kw: object) -> Context:
    return Context(method, target(**kw))  # type: ignore[arg-type]


def names(commands: list[Command]) -> list[object]:
    """Commands with announcements shown by name only."""
    return [c.name if isinstance(c, Announce) else c for c in commands]


def play(ctx: Context, script: list[tuple[Event, list[object]]], procedure: Procedure | None = None) -> Procedure:
    procedure = procedure or Procedure()
    for n, (event, expected) in enumerate(script):
        procedure, commands = step(procedure, event, ctx)
        assert names(commands) == expected, f"step {n}: {type(event).__name__}"
    return procedure


def to_priority_16(ctx: Context) -> Procedure:
    """A 1.6 procedure that has written slot 2 and read it back: it sets the priority next."""
    return play(
        ctx,
        [
            (Begin(T0), ["started", ReadNetwork()]),
            (NetworkRead(T0, BEFORE_16), [WriteSlot(2, M16.profile(ctx.target))]),
            (ACCEPTED, ["slot_written", ReadSlot(2)]),
            (SlotRead(T0, NEW), [SetPriority((2, 1))]),
        ],
    )


def departed_16(ctx: Context) -> Procedure:
    procedure = play(
        ctx,
        [
            (REBOOT, ["priority_set", WaitUntilIdle()]),
            (Idle(T0), [Reset(ResetKind.HARD)]),
            (ResetAnswered(T0, True, {"status": "Accepted"}), ["reset", AwaitArrival()]),
            (Departed(T0), ["departed"]),
        ],
        to_priority_16(ctx),
    )
    assert procedure.state is StationState.DEPARTED
    return procedure


def test_16_seed_000_procedure_end_to_end() -> None:
    ctx = context()
    procedure = departed_16(ctx)
    assert procedure.reset_at == T0
    procedure = play(ctx, [(Arrived(T0, "boot"), ["arrived", "confirmed"])], procedure)
    assert (procedure.state, procedure.step, procedure.reason) == (StationState.CONFIRMED, Step.DONE, None)
    assert procedure.before == BEFORE_16


def test_201_b10_procedure_resets_on_idle_without_waiting_itself() -> None:
    ctx = context(M201, url="wss://csms-2.example.com/ocpp", profile=2)
    procedure = play(
        ctx,
        [
            (Begin(T0), ["started", ReadNetwork(certificates=True)]),
            (NetworkRead(T0, BEFORE_201, [ROOT]), [WriteSlot(2, M201.profile(ctx.target))]),
            (ACCEPTED, ["slot_written", SetPriority((2, 1))]),
            (REBOOT, ["priority_set", Reset(ResetKind.SOFT)]),
            (ResetAnswered(T0, True, {"status": "Scheduled"}), ["reset", AwaitArrival()]),
            (Arrived(T0, "boot"), ["arrived", "confirmed"]),
        ],
    )
    assert procedure.state is StationState.CONFIRMED
    profile = M201.profile(ctx.target)
    assert (profile.csms_url, profile.security_profile, profile.message_timeout) == (ctx.target.url, 2, 30)


@pytest.mark.parametrize(
    ("picture", "certificates", "state", "reason"),
    [
        (replace(BEFORE_16, missing=("NetworkConnectionProfile2",)), None, StationState.UNSUPPORTED, "lacks"),
        (NetworkPicture(slots={1: OLD}, priority=(1,)), None, StationState.PREFLIGHT_FAILED, "no free network slot"),
        (NetworkPicture(slots={1: OLD, 2: ""}, priority=()), None, StationState.PREFLIGHT_FAILED, "names no slot"),
        (replace(BEFORE_16, security_profile=2), None, StationState.PREFLIGHT_FAILED, "lower than the 2"),
    ],
)
def test_16_what_the_station_reports_can_refuse_it(
    picture: NetworkPicture, certificates: object, state: StationState, reason: str
) -> None:
    ctx = context()
    procedure = play(ctx, [(Begin(T0), ["started", ReadNetwork()]), (NetworkRead(T0, picture), ["failed"])])
    assert procedure.state is state
    assert reason in (procedure.reason or "")
    assert not procedure.slot_written


@pytest.mark.parametrize(
    ("picture", "certificates", "reason"),
    [
        (BEFORE_201, None, "cannot list its CSMS root certificates"),
        (BEFORE_201, [], "no CSMS root certificate is installed"),
        (replace(BEFORE_201, slots={1: None}), [ROOT], "no free network slot"),
    ],
)
def test_201_wss_needs_a_root_and_a_free_slot(picture: NetworkPicture, certificates: object, reason: str) -> None:
    ctx = context(M201, url="wss://csms-2.example.com/ocpp", profile=2)
    event = NetworkRead(T0, picture, certificates)  # type: ignore[arg-type]
    procedure = play(ctx, [(Begin(T0), ["started", ReadNetwork(certificates=True)]), (event, ["failed"])])
    assert procedure.state is StationState.PREFLIGHT_FAILED
    assert reason in (procedure.reason or "")


def test_201_without_a_slot_list_takes_the_next_number() -> None:
    ctx = context(M201)
    picture = NetworkPicture(slots={}, priority=(1,), active_slot=1)
    procedure = play(
        ctx,
        [(Begin(T0), ["started", ReadNetwork()]), (NetworkRead(T0, picture), [WriteSlot(2, M201.profile(ctx.target))])],
    )
    assert procedure.slot == 2


def test_a_refused_url_changes_nothing() -> None:
    ctx = context()
    procedure = play(
        ctx,
        [
            (Begin(T0), ["started", ReadNetwork()]),
            (NetworkRead(T0, BEFORE_16), [WriteSlot(2, M16.profile(ctx.target))]),
            (REJECTED, ["failed"]),
        ],
    )
    assert procedure.state is StationState.FAILED
    assert "refused the target URL for slot 2" in (procedure.reason or "")


def test_a_key_the_station_does_not_know_is_unsupported() -> None:
    ctx = context()
    not_supported = Provisioned(T0, ProvisionStatus.NOT_SUPPORTED, {"status": "NotSupported"})
    procedure = play(
        ctx,
        [
            (Begin(T0), ["started", ReadNetwork()]),
            (NetworkRead(T0, BEFORE_16), [WriteSlot(2, M16.profile(ctx.target))]),
            (not_supported, ["failed"]),
        ],
    )
    assert procedure.state is StationState.UNSUPPORTED


def test_a_slot_that_reads_back_wrong_is_put_back() -> None:
    """Firmware that answers Accepted but keeps the old value (the simulator's `sticky`)."""
    ctx = context()
    procedure = play(
        ctx,
        [
            (Begin(T0), ["started", ReadNetwork()]),
            (NetworkRead(T0, BEFORE_16), [WriteSlot(2, M16.profile(ctx.target))]),
            (ACCEPTED, ["slot_written", ReadSlot(2)]),
            (SlotRead(T0, ""), [WriteSlotValue(2, "")]),
            (ACCEPTED, ["rolled_back", "failed"]),
        ],
    )
    assert procedure.state is StationState.FAILED
    assert "reads back ''" in (procedure.reason or "")
    assert not procedure.slot_written


def test_a_refused_priority_puts_the_slot_back() -> None:
    ctx = context()
    procedure = play(
        ctx, [(REJECTED, [WriteSlotValue(2, "")]), (ACCEPTED, ["rolled_back", "failed"])], to_priority_16(ctx)
    )
    assert procedure.state is StationState.FAILED
    assert "refused the new priority" in (procedure.reason or "")


def test_a_priority_write_without_answer_is_undone_in_full() -> None:
    ctx = context()
    procedure = play(
        ctx,
        [
            (CallFailed(T0, "no answer within 30 s"), [SetPriority((1, 2))]),
            (REBOOT, [WriteSlotValue(2, "")]),
            (ACCEPTED, ["rolled_back", "failed"]),
        ],
        to_priority_16(ctx),
    )
    assert (procedure.state, procedure.priority_set, procedure.slot_written) == (StationState.FAILED, False, False)


def test_a_refused_reset_restores_the_priority_and_the_slot() -> None:
    ctx = context()
    procedure = play(
        ctx,
        [
            (REBOOT, ["priority_set", WaitUntilIdle()]),
            (Idle(T0), [Reset(ResetKind.HARD)]),
            (ResetAnswered(T0, False, {"status": "Rejected"}), [SetPriority((1, 2))]),
            (REBOOT, [WriteSlotValue(2, "")]),
            (ACCEPTED, ["rolled_back", "failed"]),
        ],
        to_priority_16(ctx),
    )
    assert "refused the reset" in (procedure.reason or "")


def test_an_undo_that_fails_says_so() -> None:
    ctx = context()
    procedure = play(ctx, [(REJECTED, [WriteSlotValue(2, "")]), (REJECTED, ["failed"])], to_priority_16(ctx))
    assert procedure.state is StationState.FAILED
    assert "restoring the old slot failed" in (procedure.reason or "")


def test_a_station_that_comes_back_fell_back_with_the_reason() -> None:
    ctx = context()
    after = replace(BEFORE_16, slots={1: OLD, 2: NEW}, priority=(2, 1))
    procedure = play(ctx, [(CameBack(T0), [ReadNetwork()]), (NetworkRead(T0, after), ["fell_back"])], departed_16(ctx))
    assert procedure.state is StationState.FELL_BACK
    assert procedure.reason is not None
    assert "could not connect to it within NetworkProfileConnectionTimeoutSec (60 s)" in procedure.reason
    assert procedure.after == after
    assert can_rollback(procedure) is None


def test_a_station_that_did_not_keep_the_priority_says_so() -> None:
    ctx = context()
    procedure = play(
        ctx, [(CameBack(T0), [ReadNetwork()]), (NetworkRead(T0, BEFORE_16), ["fell_back"])], departed_16(ctx)
    )
    assert "did not keep the new priority" in (procedure.reason or "")


def test_rollback_of_a_station_that_fell_back_restores_what_it_had() -> None:
    ctx = context()
    after = replace(BEFORE_16, slots={1: OLD, 2: NEW}, priority=(2, 1))
    fell_back = play(ctx, [(CameBack(T0), [ReadNetwork()]), (NetworkRead(T0, after), ["fell_back"])], departed_16(ctx))
    procedure = play(
        ctx,
        [
            (RollbackRequested(T0), [SetPriority((1, 2))]),
            (REBOOT, [WriteSlotValue(2, "")]),
            (ACCEPTED, ["rolled_back"]),
        ],
        fell_back,
    )
    assert procedure.state is StationState.ROLLED_BACK
    assert can_rollback(procedure) is not None


def test_retry_after_a_fallback_resets_again_when_the_slot_is_still_first() -> None:
    ctx = context()
    after = replace(BEFORE_16, slots={1: OLD, 2: NEW}, priority=(2, 1))
    fell_back = play(ctx, [(CameBack(T0), [ReadNetwork()]), (NetworkRead(T0, after), ["fell_back"])], departed_16(ctx))
    again = retry(fell_back)
    assert (again.state, again.step) == (StationState.IN_PROGRESS, Step.WAIT_IDLE)
    assert retry(replace(fell_back, after=BEFORE_16)) == Procedure()


def test_no_arrival_by_the_deadline_fails() -> None:
    ctx = context(mode=ConfirmationMode.EXTERNAL)
    procedure = play(ctx, [(DeadlinePassed(T0), ["failed"])], departed_16(ctx))
    assert procedure.reason == "not confirmed within 300 s of the reset"


def test_cleanup_of_the_old_slot_when_this_deployment_holds_the_station() -> None:
    ctx = context(cleanup=True)
    procedure = play(
        ctx,
        [(Arrived(T0, "boot"), ["arrived", "confirmed", WriteSlotValue(1, "")]), (ACCEPTED, ["cleaned_up"])],
        departed_16(ctx),
    )
    assert (procedure.state, procedure.step) == (StationState.CONFIRMED, Step.DONE)


def test_cleanup_is_left_to_the_new_side_elsewhere() -> None:
    ctx = context(cleanup=True, mode=ConfirmationMode.PEER)
    procedure = play(ctx, [(Arrived(T0, "peer"), ["arrived", "confirmed"])], departed_16(ctx))
    assert procedure.step is Step.DONE


def test_cancel_while_waiting_for_idle_undoes_everything() -> None:
    ctx = context()
    waiting = play(ctx, [(REBOOT, ["priority_set", WaitUntilIdle()])], to_priority_16(ctx))
    procedure = play(
        ctx,
        [(CancelRequested(T0), [SetPriority((1, 2))]), (REBOOT, [WriteSlotValue(2, "")]), (ACCEPTED, ["rolled_back"])],
        waiting,
    )
    assert procedure.state is StationState.CANCELLED


def test_cancel_during_a_call_waits_for_its_answer_then_undoes() -> None:
    ctx = context()
    writing = play(
        ctx,
        [
            (Begin(T0), ["started", ReadNetwork()]),
            (NetworkRead(T0, BEFORE_16), [WriteSlot(2, M16.profile(ctx.target))]),
        ],
    )
    procedure = play(
        ctx,
        [(CancelRequested(T0), []), (ACCEPTED, ["slot_written", WriteSlotValue(2, "")]), (ACCEPTED, ["rolled_back"])],
        writing,
    )
    assert procedure.state is StationState.CANCELLED


def test_cancel_after_the_reset_sees_the_station_through() -> None:
    ctx = context()
    procedure = play(
        ctx, [(CancelRequested(T0), []), (Arrived(T0, "boot"), ["arrived", "confirmed"])], departed_16(ctx)
    )
    assert procedure.state is StationState.CONFIRMED


def test_a_reset_without_answer_is_sent_again_only_if_the_station_never_left() -> None:
    ctx = context()
    resetting = play(
        ctx, [(REBOOT, ["priority_set", WaitUntilIdle()]), (Idle(T0), [Reset(ResetKind.HARD)])], to_priority_16(ctx)
    )
    later = T0 + timedelta(seconds=5)
    waiting = play(ctx, [(CallFailed(T0, "connection lost"), [AwaitArrival()])], resetting)
    again = play(ctx, [(StillHere(later), [Reset(ResetKind.HARD)])], waiting)
    assert again.reset_at == later
    answered = play(
        ctx,
        [(ResetAnswered(T0, True, {"status": "Accepted"}), ["reset", AwaitArrival()]), (StillHere(later), [])],
        resetting,
    )
    assert answered.step is Step.AWAIT_ARRIVAL


def test_a_reset_never_answered_by_a_station_still_here_is_sent_twice_then_undone() -> None:
    # A station that ignores Reset (or answers it with a CALLERROR) and stays connected was reset for
    # ever: each StillHere sent it again and moved the deadline with it.
    ctx = context()
    resetting = play(
        ctx, [(REBOOT, ["priority_set", WaitUntilIdle()]), (Idle(T0), [Reset(ResetKind.HARD)])], to_priority_16(ctx)
    )
    later = T0 + timedelta(seconds=5)
    no_answer = (CallFailed(T0, "StationCallFailed: no answer"), [AwaitArrival()])
    procedure = play(
        ctx,
        [
            no_answer,
            (StillHere(later), [Reset(ResetKind.HARD)]),
            no_answer,
            (StillHere(later), [SetPriority((1, 2))]),
            (ACCEPTED, [WriteSlotValue(2, "")]),
            (ACCEPTED, ["rolled_back", "failed"]),
        ],
        resetting,
    )
    assert procedure.state is StationState.FAILED
    assert procedure.reason == "the station did not reboot: the reset was sent 2 times without a usable answer"
    assert (procedure.priority_set, procedure.slot_written) == (False, False)
    # Resumed after a restart, the count holds: a station still here is not reset a third time.
    stored = procedure_from_json(
        procedure_to_json(play(ctx, [no_answer, (StillHere(later), [Reset(ResetKind.HARD)])], resetting))
    )
    resumed, commands = resume(stored, ctx, later)
    assert (resumed.resets, commands) == (2, [AwaitArrival()])
    assert names(step(resumed, StillHere(later), ctx)[1]) == [SetPriority((1, 2))]


@pytest.mark.parametrize(
    ("heard", "told"),
    [
        (ResetAnswered(T0, True, {"status": "Accepted"}), ["reset", "departed", AwaitArrival()]),
        (CallFailed(T0, "connection closed"), ["departed", AwaitArrival()]),
    ],
)
def test_a_departure_heard_before_the_resets_answer_is_told_after_it_and_held_to_the_deadline(
    heard: Event, told: list[object]
) -> None:
    """A station that cuts its power as it answers the reset, or instead of answering, is heard
    leaving first: the events keep the procedure's order, and the arrival is still awaited."""
    ctx = context(mode=ConfirmationMode.EXTERNAL)
    resetting = play(
        ctx, [(REBOOT, ["priority_set", WaitUntilIdle()]), (Idle(T0), [Reset(ResetKind.HARD)])], to_priority_16(ctx)
    )
    left = play(ctx, [(Departed(T0), [])], resetting)
    assert (left.state, left.step) == (StationState.IN_PROGRESS, Step.RESET)
    _, on_restart = resume(left, ctx, T0)
    assert names(on_restart) == ["departed", AwaitArrival()]
    waiting = play(ctx, [(heard, told), (Departed(T0), [])], left)
    assert (waiting.state, waiting.step) == (StationState.DEPARTED, Step.AWAIT_ARRIVAL)
    failed = play(ctx, [(DeadlinePassed(T0), ["failed"])], waiting)
    assert (failed.state, failed.reason) == (StationState.FAILED, "not confirmed within 300 s of the reset")


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (Step.PREFLIGHT, ["started", ReadNetwork()]),
        (Step.READ_BEFORE, [ReadNetwork()]),
        (Step.READ_BACK, [ReadSlot(2)]),
        (Step.SET_PRIORITY, [SetPriority((2, 1))]),
        (Step.WAIT_IDLE, [WaitUntilIdle()]),
        (Step.RESET, [AwaitArrival()]),
        (Step.AWAIT_ARRIVAL, [AwaitArrival()]),
        (Step.EXPLAIN_FALLBACK, [ReadNetwork()]),
        (Step.DONE, []),
    ],
)
def test_a_restarted_node_resumes_from_the_step_and_never_resets_twice(at: Step, expected: list[object]) -> None:
    ctx = context()
    procedure = replace(to_priority_16(ctx), step=at)
    resumed, commands = resume(procedure, ctx, T0)
    assert names(commands) == expected
    assert not any(isinstance(c, Reset) for c in commands)
    if at is Step.RESET:
        assert resumed.step is Step.AWAIT_ARRIVAL


def test_201_resumed_before_its_reset_sends_it() -> None:
    ctx = context(M201)
    _, commands = resume(replace(Procedure(), step=Step.WAIT_IDLE, slot=2), ctx, T0)
    assert commands == [Reset(ResetKind.SOFT)]


def test_the_procedure_survives_the_store() -> None:
    ctx = context()
    after = replace(BEFORE_16, slots={1: OLD, 2: NEW}, priority=(2, 1), values={"NetworkConfigurationPriority": "x"})
    procedure = play(ctx, [(CameBack(T0), [ReadNetwork()]), (NetworkRead(T0, after), ["fell_back"])], departed_16(ctx))
    assert procedure_from_json(procedure_to_json(procedure)) == procedure
    mid = play(ctx, [(CancelRequested(T0), [])], to_priority_16(ctx))
    assert procedure_from_json(procedure_to_json(mid)) == mid
