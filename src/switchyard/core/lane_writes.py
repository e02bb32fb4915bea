"""What a lane writes as it works: an action marked as being sent, its progress, its outcome with
the webhook event that announces it, and the end of a reboot wait.

Every write goes through the group commit (`ConfigurationStore.write`), whose transaction a stopping
node never cancels half-way, and must be safe to run again after a group rollback: each run starts
from what it reads or from a fresh copy, never from a copy an earlier run moved on.
"""

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import structlog

from switchyard.clock import Clock
from switchyard.core.action_execution import Outcome, failed
from switchyard.core.action_targets import SettingTarget
from switchyard.core.actions import ActionType, Phase, Status, announce_sent, update_action
from switchyard.core.baseline import heartbeat_interval_set
from switchyard.core.config_reader import ConfigurationReader
from switchyard.core.station_passwords import StationPasswords
from switchyard.domain import StationRef
from switchyard.ports.configuration import ActionRecord, ConfigurationStore, ConfigurationTx
from switchyard.protocol.setting_names import same_value

log = structlog.get_logger("switchyard.sequencer")

# What a read after a reboot found, by (setting name, attribute); or why it failed.
ReadAfterReboot = dict[tuple[str, str], str | None] | Outcome


class LaneWrites:
    def __init__(
        self,
        store: ConfigurationStore,
        passwords: StationPasswords,
        reader: ConfigurationReader,
        clock: Clock,
        events_committed: Callable[[], None],
    ) -> None:
        self._store = store
        self._passwords = passwords
        self._reader = reader
        self._clock = clock
        # Tells the webhook dispatcher that a transaction with events committed.
        self._events_committed = events_committed

    async def confirm_reboot(
        self, ref: StationRef, awaiting: list[ActionRecord], sent: dict[str, str], result: ReadAfterReboot
    ) -> None:
        """Settle the changes that waited for the station's reboot with what it reports now."""
        now = self._clock.now()

        # Through the group commit, whose transaction a stopping node never cancels half-way.
        async def write(tx: ConfigurationTx) -> None:
            for stale in awaiting:
                action = await tx.actions.get(stale.id)
                if action is None or action.phase != Phase.AWAITING_REBOOT.value:
                    continue
                target = SettingTarget.of(action.target)
                if isinstance(result, Outcome):
                    outcome = result
                elif target.password:
                    outcome = await self._passwords.confirm_after_reboot(tx, action)
                else:
                    outcome = _confirmation(target, sent[action.id], result, ref.ocpp_version)
                await update_action(
                    tx,
                    action,
                    now,
                    status=outcome.status,
                    phase=Phase.DONE,
                    response_data=_merged(action.response_data, outcome.response_data),
                    value_after=outcome.value_after,
                )
                if outcome.status is Status.COMPLETED:
                    await _remember_heartbeat_interval(tx, action, outcome.value_after)
            await tx.reported.end_reboot_wait(ref.station_id)

        await self._store.write(write)
        self._events_committed()
        log.info("reboot confirmed", identity=ref.identity, changes=len(awaiting))

    async def mark_sending(self, ref: StationRef, action: ActionRecord) -> None:
        now = self._clock.now()
        values: dict[str, Any] = {"phase": Phase.SENDING.value, "sent_at": now, "waiting_for": None}
        target = SettingTarget.of(action.target) if action.type == ActionType.UPDATE_CONFIGURATION.value else None
        pending_hash = self._passwords.hash_for(ref.ocpp_version, action) if target and target.password else None
        # The audit's "before" is the station's value as this change leaves, not as it was asked for:
        # a change queued behind another one to the same key follows that one's result.
        audited = target.name if target is not None and target.audited else None
        first_time = action.sent_at is None  # a resend after a restart or a reconnect is not news

        async def write(tx: ConfigurationTx) -> None:
            if first_time:
                announce_sent(tx, action, now)
            if pending_hash is not None:
                # From the moment it may reach the station, the new password lets the station in too:
                # if the answer is lost, the station must not be locked out (gateway/admission.py).
                await self._passwords.keep_pending(tx, action, pending_hash, now)
            if audited is None:
                await tx.actions.update(action.id, values)
            else:
                action.value_before = await tx.actions.update_before_of(action.id, values, audited)

        await self._store.write(write)
        action.phase = Phase.SENDING.value
        action.sent_at = now
        action.waiting_for = None
        if first_time:
            self._events_committed()

    def progress(self, action: ActionRecord) -> Callable[[str], Awaitable[None]]:
        async def note(text: str) -> None:
            try:
                await self.note_waiting(action.id, text)
            except Exception:  # progress is a courtesy: it never fails the read it reports on
                log.warning("could not note a read's progress", action_id=action.id, exc_info=True)
                return
            # The lane's copy learns what is stored, so the read's outcome clears it again.
            action.waiting_for = text

        return note

    async def note_waiting(self, action_id: str, reason: str) -> None:
        # Progress, not a change of status: updatedAt (which eDRV clients watch) stays as it is.
        async def write(tx: ConfigurationTx) -> None:
            await tx.actions.update(action_id, {"waiting_for": reason})

        await self._store.write(write)

    async def record(self, action: ActionRecord, outcome: Outcome) -> Outcome:
        """The outcome of a step, with its webhook event, the values read back and the station's lane
        state, in one transaction.

        `action` is this lane's copy from its last look; only the lane changes an action after it is
        created. Each run of the write moves a fresh copy on: if the group's transaction rolls back
        (another write in it failed), the write runs again on its own, and a copy already moved on would
        not announce its new status again. The lane state is read afresh (a boot may have changed it).
        """
        now = self._clock.now()

        async def write(tx: ConfigurationTx) -> None:
            row = replace(action)
            target = SettingTarget.of(row.target) if row.type == ActionType.UPDATE_CONFIGURATION.value else None
            if target is not None and target.password:
                await self._passwords.settle(tx, row, outcome)  # before the secret is dropped
            await update_action(
                tx,
                row,
                now,
                status=outcome.status,
                phase=outcome.phase,
                response_data=outcome.response_data,
                waiting_for=outcome.waiting_for,
                value_after=None if target is not None and target.secret else outcome.value_after,
            )
            if outcome.reported:
                await self._reader.store_values(tx, row.station_id, outcome.reported)
            if outcome.phase is Phase.DONE and outcome.status is Status.COMPLETED:
                await _remember_heartbeat_interval(tx, row, outcome.value_after)
            if outcome.reboot_pending or outcome.changed:
                await tx.reported.note_change(
                    row.station_id,
                    now if outcome.changed else None,
                    now if outcome.reboot_pending else None,
                )

        await self._store.write(write)
        if outcome.status is not None:
            self._events_committed()
        return outcome

    async def active_transaction(self, station_id: str) -> str | None:
        async with self._store.reading() as tx:
            running = await tx.stations.running_transaction(station_id)
        return running.transaction_ref if running is not None else None


async def _remember_heartbeat_interval(tx: ConfigurationTx, action: ActionRecord, value: str | None) -> None:
    """A completed HeartbeatInterval change is what the station's next BootNotification answer gives."""
    if action.type != ActionType.UPDATE_CONFIGURATION.value:
        return
    seconds = heartbeat_interval_set(SettingTarget.of(action.target), value)
    if seconds is not None:
        await tx.stations.set_heartbeat_interval(action.station_id, seconds)


def _confirmation(
    target: SettingTarget, sent: str, values: dict[tuple[str, str], str | None], ocpp_version: str
) -> Outcome:
    if target.writeonly:
        return Outcome(Phase.DONE, Status.COMPLETED)
    reported = values.get((target.name, target.attribute))
    if same_value(target.kind, sent, reported, ocpp_version):
        return Outcome(Phase.DONE, Status.COMPLETED, value_after=reported)
    shown = "nothing (the key is unknown to it)" if reported is None else reported
    outcome = failed(f"station accepted {target.name}={sent} (reboot required) but reports {shown} after rebooting")
    outcome.value_after = reported
    return outcome


def _merged(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any] | None:
    if after is None:
        return before
    return {**(before or {}), **after}
