"""The sequencer's rulebook, one rule per row: what happens next to an action, given the facts."""

from datetime import UTC, datetime, timedelta

import pytest

from switchyard.core.action_steps import Expire, Facts, ReadBack, Send, Step, Unknown, Wait, next_step
from switchyard.core.actions import ActionType, Phase

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
UPDATE = ActionType.UPDATE_CONFIGURATION
READ = ActionType.GET_CONFIGURATION
RESET = ActionType.RESET


def facts(**changes: object) -> Facts:
    values: dict[str, object] = {
        "now": NOW,
        "connected": True,
        "reboot_pending": False,
        "pending_keys": (),
        "last_change_at": None,
        "spacing": timedelta(seconds=2),
        "expires_at": LATER,
    }
    values.update(changes)
    return Facts(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "phase", "given", "expected"),
    [
        # A connected station with nothing in the way: send.
        (UPDATE, Phase.QUEUED, facts(), Send()),
        (READ, Phase.QUEUED, facts(), Send()),
        (RESET, Phase.QUEUED, facts(), Send()),
        # Nothing is sent after its expiry, connected or not.
        (UPDATE, Phase.QUEUED, facts(expires_at=NOW), Expire()),
        (RESET, Phase.QUEUED, facts(expires_at=NOW, connected=False), Expire()),
        # A change that already left ends at its expiry with what is known of it...
        (
            UPDATE,
            Phase.READING_BACK,
            facts(expires_at=NOW, connected=False),
            Expire("expired: the station accepted the change but was not connected to read it back"),
        ),
        (
            UPDATE,
            Phase.SENDING,
            facts(expires_at=NOW, connected=False),
            Expire("expired: the change was being sent when the node stopped; whether it applied is unknown"),
        ),
        # ...and a connected station still gets its read-back (reading is not sending).
        (UPDATE, Phase.READING_BACK, facts(expires_at=NOW), ReadBack()),
        (UPDATE, Phase.SENDING, facts(expires_at=NOW), ReadBack()),
        (READ, Phase.SENDING, facts(expires_at=NOW), Expire()),
        # Offline: wait until the expiry at the latest.
        (UPDATE, Phase.QUEUED, facts(connected=False), Wait("the station is not connected", LATER)),
        (READ, Phase.QUEUED, facts(connected=False), Wait("the station is not connected", LATER)),
        # The node stopped while sending: a change is decided by a read-back, a reset is unknowable,
        # a read is simply done again.
        (UPDATE, Phase.SENDING, facts(), ReadBack()),
        (UPDATE, Phase.SENDING, facts(connected=False), Wait("the station is not connected", LATER)),
        (RESET, Phase.SENDING, facts(), Unknown()),
        (READ, Phase.SENDING, facts(), Send()),
        (UPDATE, Phase.READING_BACK, facts(), ReadBack()),
        # A pending reboot holds changes, not reads or resets.
        (
            UPDATE,
            Phase.QUEUED,
            facts(reboot_pending=True, pending_keys=("WebSocketPingInterval",)),
            Wait("the station must reboot first: waiting for it to apply WebSocketPingInterval", LATER),
        ),
        (RESET, Phase.QUEUED, facts(reboot_pending=True), Send()),
        (READ, Phase.QUEUED, facts(reboot_pending=True), Send()),
        # Spacing after the previous change holds the next change until it has passed.
        (
            UPDATE,
            Phase.QUEUED,
            facts(last_change_at=NOW - timedelta(seconds=1)),
            Wait("spacing after the previous change", NOW + timedelta(seconds=1)),
        ),
        (UPDATE, Phase.QUEUED, facts(last_change_at=NOW - timedelta(seconds=2)), Send()),
        (READ, Phase.QUEUED, facts(last_change_at=NOW), Send()),
    ],
)
def test_next_step(kind: ActionType, phase: Phase, given: Facts, expected: Step) -> None:
    assert next_step(kind, phase, given) == expected
