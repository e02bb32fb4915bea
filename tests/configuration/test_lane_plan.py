"""The lane plan as a table: which of a station's open actions goes next, and what waits, and why."""

from datetime import UTC, datetime, timedelta

import pytest

from switchyard.core.action_steps import (
    Expire,
    LaneFacts,
    LanePlan,
    OpenAction,
    ReadBack,
    Send,
    plan_lane,
)
from switchyard.core.actions import ActionType, Phase

NOW = datetime(2026, 1, 1, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
CHANGE, READ, RESET = ActionType.UPDATE_CONFIGURATION, ActionType.GET_CONFIGURATION, ActionType.RESET


def action(id: str, kind: ActionType, phase: Phase = Phase.QUEUED, **fields: object) -> OpenAction:
    return OpenAction(id=id, kind=kind, phase=phase, requested=True, expires_at=LATER, **fields)  # type: ignore[arg-type]


def facts(**changes: object) -> LaneFacts:
    base: dict[str, object] = {
        "now": NOW,
        "ready_in": 0.0,
        "reboot_pending": False,
        "rebooted": False,
        "last_change_at": None,
        "spacing": timedelta(seconds=2),
    }
    return LaneFacts(**{**base, **changes})  # type: ignore[arg-type]


REBOOT_WAIT = "the station must reboot first: waiting for it to apply HeartbeatInterval"
SPACING = "spacing after the previous change"
OFFLINE = "the station is not connected"
BOOT = "waiting for the station's BootNotification after it connected"


@pytest.mark.parametrize(
    ("actions", "lane", "plan"),
    [
        # Nothing open: nothing to do, nothing to wait for.
        ([], facts(), LanePlan()),
        # The first requested action goes; later ones wait for the next step.
        ([action("a", CHANGE), action("b", READ)], facts(), LanePlan(act=("a", Send()))),
        # Actions already decided (not requested) are passed over.
        (
            [OpenAction("x", CHANGE, Phase.AWAITING_REBOOT, False, LATER), action("b", READ)],
            facts(),
            LanePlan(act=("b", Send())),
        ),
        # Changes never overtake: spacing holds the change, and everything behind it.
        (
            [action("a", CHANGE), action("b", RESET)],
            facts(last_change_at=NOW - timedelta(seconds=1)),
            LanePlan(notes=(("a", SPACING),), wake=NOW + timedelta(seconds=1)),
        ),
        # A change held by a pending reboot holds later changes, but a read or reset may go ahead.
        (
            [action("a", CHANGE), action("b", CHANGE), action("c", RESET)],
            facts(reboot_pending=True, pending_keys=("HeartbeatInterval",)),
            LanePlan(notes=(("a", REBOOT_WAIT),), act=("c", Send())),
        ),
        # A reason already recorded is not written again.
        (
            [action("a", CHANGE, waiting_for=REBOOT_WAIT)],
            facts(reboot_pending=True, pending_keys=("HeartbeatInterval",)),
            LanePlan(wake=LATER),
        ),
        # Offline: everything waits until the first action expires.
        (
            [action("a", READ), action("b", CHANGE)],
            facts(ready_in=None),
            LanePlan(notes=(("a", OFFLINE),), wake=LATER),
        ),
        # Just connected: nothing goes on the wire before the BootNotification (or its grace period).
        (
            [action("a", READ)],
            facts(ready_in=3.0),
            LanePlan(notes=(("a", BOOT),), wake=NOW + timedelta(seconds=3)),
        ),
        # Rebooted after a pending reboot: confirm what waited for it first, once calls may go.
        ([action("a", READ)], facts(reboot_pending=True, rebooted=True), LanePlan(confirm_reboot=True)),
        (
            [action("a", READ)],
            facts(reboot_pending=True, rebooted=True, ready_in=2.0),
            LanePlan(wake=NOW + timedelta(seconds=2)),
        ),
        # A change the node was sending when it stopped is decided by a read-back, not sent again.
        ([action("a", CHANGE, Phase.SENDING)], facts(), LanePlan(act=("a", ReadBack()))),
        # Expired before it left.
        (
            [OpenAction("a", READ, Phase.QUEUED, True, NOW)],
            facts(),
            LanePlan(act=("a", Expire())),
        ),
    ],
)
def test_the_lane_plan(actions: list[OpenAction], lane: LaneFacts, plan: LanePlan) -> None:
    assert plan_lane(actions, lane) == plan
