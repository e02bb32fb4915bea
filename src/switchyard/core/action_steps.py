"""What to do next with an action, decided from facts alone (no IO): the sequencer's rulebook.

Kept pure so every rule is a line in a table test: an offline station waits until its action
expires; a change waits while the station has a reboot pending and until the spacing after the
previous change has passed; an action the node was sending when it stopped is decided by a
read-back before anything is sent again. Expiry means "never sent after expiresAt": an action that
already left ends at its expiry with what is known of it, not as if it had never been sent. Nothing
goes on the wire between a station's (re)connect and its BootNotification (or the boot grace period).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from switchyard.core.actions import ActionType, Phase


@dataclass(frozen=True, slots=True)
class Facts:
    now: datetime
    connected: bool
    reboot_pending: bool
    pending_keys: tuple[str, ...]
    last_change_at: datetime | None
    spacing: timedelta
    expires_at: datetime
    # Connected, but management calls wait until then for its BootNotification (None: they may go now).
    boot_wait_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Wait:
    reason: str
    # Look again at this time at the latest (an event may wake the lane earlier).
    until: datetime


@dataclass(frozen=True, slots=True)
class Send:
    pass


@dataclass(frozen=True, slots=True)
class ReadBack:
    pass


@dataclass(frozen=True, slots=True)
class Expire:
    reason: str = "expired"


@dataclass(frozen=True, slots=True)
class Unknown:
    """The node stopped while it was sending something that cannot be read back (a reset)."""


Step = Wait | Send | ReadBack | Expire | Unknown


def next_step(kind: ActionType, phase: Phase, facts: Facts) -> Step:
    step = _next_step(kind, phase, facts)
    if isinstance(step, Send | ReadBack) and facts.boot_wait_until is not None:
        # Just (re)connected: a station refuses calls that arrive before its BootNotification.
        return Wait("waiting for the station's BootNotification after it connected", facts.boot_wait_until)
    return step


def _next_step(kind: ActionType, phase: Phase, facts: Facts) -> Step:
    expired = facts.now >= facts.expires_at
    if phase is Phase.SENDING:
        # The node stopped between recording "sending" and recording the answer.
        if kind is ActionType.RESET:
            return Unknown()
        if kind is ActionType.UPDATE_CONFIGURATION:
            if facts.connected:
                return ReadBack()
            if expired:
                return Expire("expired: the change was being sent when the node stopped; whether it applied is unknown")
            return _wait_offline(facts)
        phase = Phase.QUEUED  # reading again is harmless
    if phase is Phase.READING_BACK:
        if facts.connected:
            return ReadBack()
        if expired:
            return Expire("expired: the station accepted the change but was not connected to read it back")
        return _wait_offline(facts)
    if expired:
        return Expire()
    if not facts.connected:
        return _wait_offline(facts)
    if kind is ActionType.UPDATE_CONFIGURATION:
        if facts.reboot_pending:
            keys = ", ".join(facts.pending_keys) or "earlier changes"
            return Wait(f"the station must reboot first: waiting for it to apply {keys}", facts.expires_at)
        if facts.last_change_at is not None and facts.now < facts.last_change_at + facts.spacing:
            return Wait("spacing after the previous change", facts.last_change_at + facts.spacing)
    return Send()


def _wait_offline(facts: Facts) -> Wait:
    return Wait("the station is not connected", facts.expires_at)


# -- a whole lane: which of a station's open actions goes next -----------------------------------


@dataclass(frozen=True, slots=True)
class OpenAction:
    """An action not done yet, as the lane's plan sees it (in the order the actions were requested)."""

    id: str
    kind: ActionType
    phase: Phase
    requested: bool
    expires_at: datetime
    waiting_for: str | None = None


@dataclass(frozen=True, slots=True)
class LaneFacts:
    now: datetime
    # Seconds until management calls may go to the station (0: now); None when it is not connected.
    ready_in: float | None
    reboot_pending: bool
    # The station booted after the reboot it had pending.
    rebooted: bool
    last_change_at: datetime | None
    spacing: timedelta
    # The keys whose changes wait for the reboot.
    pending_keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LanePlan:
    # Waiting reasons that changed, to record: (action id, reason).
    notes: tuple[tuple[str, str], ...] = ()
    # The action to act on now, and how (at most one per step: one thing on the wire at a time).
    act: tuple[str, Step] | None = None
    # Read back what waited for the reboot, which has happened.
    confirm_reboot: bool = False
    # When to look again at the latest when nothing is acted on (None: nothing to wait for).
    wake: datetime | None = None


def plan_lane(actions: Sequence[OpenAction], facts: LaneFacts) -> LanePlan:
    """What a station's lane does next.

    A rebooted station has its pending changes confirmed first. Then the open actions are looked at in
    the order they were requested: changes held by a pending reboot hold the changes behind them, while
    reads and resets may go ahead (a reset is how that wait usually ends); anything else that waits
    holds everything behind it, so "change these, then reset" never resets before the last change left.
    """
    connected = facts.ready_in is not None
    boot_wait_until = facts.now + timedelta(seconds=facts.ready_in) if facts.ready_in else None
    if facts.reboot_pending and connected and facts.rebooted:
        if boot_wait_until is not None:
            return LanePlan(wake=boot_wait_until)
        return LanePlan(confirm_reboot=True)
    notes: list[tuple[str, str]] = []
    wake: datetime | None = None
    changes_held = everything_held = False
    for action in actions:
        if not action.requested:
            continue
        change = action.kind is ActionType.UPDATE_CONFIGURATION
        if everything_held or (changes_held and change):
            continue
        step = next_step(
            action.kind,
            action.phase,
            Facts(
                now=facts.now,
                connected=connected,
                reboot_pending=facts.reboot_pending,
                pending_keys=facts.pending_keys,
                last_change_at=facts.last_change_at,
                spacing=facts.spacing,
                expires_at=action.expires_at,
                boot_wait_until=boot_wait_until,
            ),
        )
        if not isinstance(step, Wait):
            return LanePlan(tuple(notes), (action.id, step))
        if action.waiting_for != step.reason:
            notes.append((action.id, step.reason))
        wake = step.until if wake is None else min(wake, step.until)
        if change and facts.reboot_pending:
            changes_held = True
        else:
            everything_held = True
    return LanePlan(tuple(notes), wake=wake)
