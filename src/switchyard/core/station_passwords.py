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
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from switchyard.clock import Clock
from switchyard.core.action_execution import Outcome, failed
from switchyard.core.actions import Phase, Status
from switchyard.credentials import hash_station_password
from switchyard.store.config_tables import Action, PendingPassword
from switchyard.store.tables import Station

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

    def hash_for(self, ocpp_version: str, action: Action) -> str | None:
        """The stored form of the password this action carries (None once its secret is dropped)."""
        if action.secret is None:
            return None
        password = self._decrypt(action.secret, action.id)
        return hash_station_password(password, ocpp_version, self._iterations)

    async def settle(self, session: AsyncSession, action: Action, outcome: Outcome) -> None:
        """Which password the station holds, as far as its answer tells.

        Accepted: only the new one from now on (A01.FR.03). Rejected or NotSupported, or not sent after
        all: this one is not the station's. No answer, or a reboot still to apply it: it stays pending
        (accepted besides the current one) until the station logs in with it or it is settled otherwise.
        """
        mine = delete(PendingPassword).where(PendingPassword.action_id == action.id)
        if outcome.status is Status.REJECTED or outcome.not_sent:
            await session.execute(mine)
            return
        if outcome.status is not Status.COMPLETED or outcome.reboot_pending:
            return
        # Locked: a login adopting a pending password changes the same row (PostgreSQL).
        station = await session.get(Station, action.station_id, with_for_update=True)
        if station is None:
            return
        pending = await session.get(PendingPassword, action.id)
        new_hash = pending.password_hash if pending is not None else self.hash_for(station.ocpp_version, action)
        if new_hash is None:
            return
        station.password_hash = new_hash
        station.updated_at = self._clock.now()
        # The station holds this one: whatever else was pending is not its password any more.
        await session.execute(delete(PendingPassword).where(PendingPassword.station_id == station.id))
        log.info("station password rotated", identity=station.identity, action_id=action.id)

    async def confirm_after_reboot(self, session: AsyncSession, action: Action) -> Outcome:
        """A password change answered RebootRequired, once the station has rebooted and logged in again.

        A write-only value cannot be read back; the login tells instead. With the new password, the
        gateway made it the station's (and dropped this pending row); with the old one, the row is still
        here: the change did not take, and the new password stops being accepted.
        """
        pending = await session.get(PendingPassword, action.id)
        if pending is None:
            return Outcome(Phase.DONE, Status.COMPLETED)
        await session.delete(pending)
        return failed("the station rebooted but still logs in with its old password; the new one did not take")


async def add_pending_password(session: AsyncSession, action: Action, password_hash: str, now: datetime) -> None:
    """Keep `password_hash` pending for this action; a station has at most a few (each is a way in)."""
    await session.merge(
        PendingPassword(action_id=action.id, station_id=action.station_id, password_hash=password_hash, created_at=now)
    )
    await session.flush()
    newest = (
        select(PendingPassword.action_id)
        .where(PendingPassword.station_id == action.station_id)
        .order_by(PendingPassword.created_at.desc())
        .limit(MAX_PENDING_PASSWORDS)
    )
    await session.execute(
        delete(PendingPassword).where(
            PendingPassword.station_id == action.station_id, PendingPassword.action_id.not_in(newest)
        )
    )
