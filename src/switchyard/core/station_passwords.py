"""Which password a station holds while a change of it is under way (AuthorizationKey on 1.6,
SecurityCtrlr.BasicAuthPassword on 2.0.1).

A password change is the one change that can lock a station out: if the station takes the new password
but its answer is lost, refusing the new one strands it. So a change leaves its password *pending* as it
is sent; the gateway accepts pending passwords besides the current one (gateway/admission.py), and the
station's answer, or its first login with one of them, settles which one it holds.
"""

from collections.abc import Callable
from datetime import datetime

import structlog

from switchyard.clock import Clock
from switchyard.core.action_execution import Outcome, failed
from switchyard.core.actions import Phase, Status
from switchyard.credentials import hash_station_password
from switchyard.ports.configuration import ActionRecord, ConfigurationTx

log = structlog.get_logger("switchyard.sequencer")

# (stored ciphertext, the action id it is bound to) -> the secret value.
Decrypt = Callable[[str, str], str]

# Passwords sent without a settled answer that a station may log in with (each is a way in).
MAX_PENDING_PASSWORDS = 3


class StationPasswords:
    def __init__(self, decrypt: Decrypt, iterations: int, clock: Clock) -> None:
        self._decrypt = decrypt
        self._iterations = iterations
        self._clock = clock

    def hash_for(self, ocpp_version: str, action: ActionRecord) -> str | None:
        """The stored form of the password this action carries (None once its secret is dropped)."""
        if action.secret is None:
            return None
        password = self._decrypt(action.secret, action.id)
        return hash_station_password(password, ocpp_version, self._iterations)

    async def settle(self, tx: ConfigurationTx, action: ActionRecord, outcome: Outcome) -> None:
        """Which password the station holds, as far as its answer tells.

        Accepted: only the new one from now on (A01.FR.03). Rejected or NotSupported, or not sent after
        all: this one is not the station's. No answer, or a reboot still to apply it: it stays pending
        (accepted besides the current one) until the station logs in with it or it is settled otherwise.
        """
        if outcome.status is Status.REJECTED or outcome.not_sent:
            await tx.passwords.drop(action.id)
            return
        if outcome.status is not Status.COMPLETED or outcome.reboot_pending:
            return
        # Locked: a login adopting a pending password changes the same row (PostgreSQL).
        station = await tx.passwords.lock_station(action.station_id)
        if station is None:
            return
        new_hash = await tx.passwords.get(action.id) or self.hash_for(station.ocpp_version, action)
        if new_hash is None:
            return
        # The station holds this one: whatever else was pending is not its password any more.
        await tx.passwords.adopt(station.id, new_hash, self._clock.now())
        log.info("station password rotated", identity=station.identity, action_id=action.id)

    async def confirm_after_reboot(self, tx: ConfigurationTx, action: ActionRecord) -> Outcome:
        """A password change answered RebootRequired, once the station has rebooted and logged in again.

        A write-only value cannot be read back; the login tells instead. With the new password, the
        gateway made it the station's (and dropped this pending row); with the old one, the row is still
        here: the change did not take, and the new password stops being accepted.
        """
        if not await tx.passwords.drop(action.id):
            return Outcome(Phase.DONE, Status.COMPLETED)
        return failed("the station rebooted but still logs in with its old password; the new one did not take")

    async def keep_pending(self, tx: ConfigurationTx, action: ActionRecord, password_hash: str, now: datetime) -> None:
        """Keep `password_hash` pending for this action; a station has at most a few (each is a way in)."""
        await tx.passwords.add(action.id, action.station_id, password_hash, now, MAX_PENDING_PASSWORDS)
