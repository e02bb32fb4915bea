"""The safe sequencer: one lane per station, working through that station's actions one at a time.

A lane exists while its station has open actions (or waits for a reboot); it wakes when an action
is queued, when the station connects or boots, and when a timer it set runs out (spacing, expiry).
Every step is: load the station's open actions, plan with the pure `action_steps.plan_lane`, do at most one
thing on the wire, and record the outcome in one transaction with its webhook event (`lane_writes`). An action is
marked `sending` before its request leaves, so a node killed at any moment resumes each action from
the database: a change whose answer was lost is decided by a read-back, never simply sent again.

Changes to one station never overtake each other; a read or a reset may go ahead of changes that
wait for a reboot (a reset is how that wait usually ends).
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog

from switchyard.bus.local import STATION_BOOTED, STATION_CONNECTED, LocalBus, StationBooted, StationConnected
from switchyard.clock import Clock
from switchyard.core.action_execution import ActionExecution, Outcome, failed
from switchyard.core.action_steps import Expire, LaneFacts, OpenAction, ReadBack, Step, Unknown, plan_lane
from switchyard.core.action_targets import ResetTarget, SettingTarget
from switchyard.core.actions import ActionType, Phase, Status
from switchyard.core.boot_records import BootRecords
from switchyard.core.config_reader import ConfigurationReader
from switchyard.core.lane_writes import LaneWrites
from switchyard.core.station_passwords import Decrypt, StationPasswords
from switchyard.domain import BootStatus, StationRef
from switchyard.ports import StationControl, StationLink
from switchyard.ports.configuration import ActionRecord, ConfigurationStore, LaneState
from switchyard.settings import Settings

log = structlog.get_logger("switchyard.sequencer")

# A step that failed unexpectedly (the database went away, a bug) is retried after this long.
_RETRY_AFTER = timedelta(seconds=5)
_NOT_SENT_PAUSE = timedelta(seconds=0.25)
# A station is often slow right after it boots: the read confirming its reboot is tried this often.
_CONFIRM_ATTEMPTS = 3
_CONFIRM_RETRY = timedelta(seconds=5)
_AGAIN = "again"
# How long a stopping node waits for boots not written yet before dropping them.
_STOP_GRACE = 5.0


@dataclass(slots=True)
class _Lane:
    wake: asyncio.Event
    task: asyncio.Task[None] | None = None
    # Who the station is, loaded once per lane (and again after it reconnects).
    station: StationRef | None = None
    # Failed reads confirming the station's reboot, in a row.
    confirm_failures: int = 0
    # Started for a read its boot queued: holds one of the boot reads' places until its first step ends.
    boot_read: bool = False


class Sequencer:
    def __init__(
        self,
        store: ConfigurationStore,
        link: StationLink,
        control: StationControl,
        reader: ConfigurationReader,
        bus: LocalBus,
        clock: Clock,
        settings: Settings,
        decrypt: Decrypt,
        events_committed: Callable[[], None] = lambda: None,
    ) -> None:
        # Lanes' writes share transactions with each other and with new requests (group commit).
        self._store = store
        # Tells the webhook dispatcher that a transaction with events committed.
        self._events_committed = events_committed
        self._link = link
        self._clock = clock
        self._settings = settings
        self._decrypt = decrypt
        self._passwords = StationPasswords(decrypt, settings.station_password_iterations, clock)
        self._reader = reader
        self._control = control
        self._execution = ActionExecution(control, reader, settings.call_timeout)
        self._writes = LaneWrites(store, self._passwords, reader, clock, events_committed)
        self._lanes: dict[str, _Lane] = {}
        # Stations with open actions or a pending reboot: only these need a lane when they connect.
        self._attention: set[str] = set()
        self._boots = BootRecords(store, settings.read_on_boot, settings.action_expiry, self._booted)
        # Stations whose boot queued a read, in boot order, waiting for a place among the
        # `boot_read_concurrency` reads that run at once.
        self._boot_reads: dict[str, None] = {}
        self._boot_reading = 0
        self._running = False
        bus.subscribe(STATION_CONNECTED, self._on_connected)
        bus.subscribe(STATION_BOOTED, self._on_booted)

    async def start(self) -> None:
        async with self._store.reading() as tx:
            stations = await tx.actions.stations_with_open() | await tx.reported.rebooting()
        self._running = True
        for station_id in stations:
            self.kick(station_id)
        if stations:
            log.info("sequencer resumed", stations=len(stations))

    async def stop(self) -> None:
        self._running = False
        # Boots seen but not written yet are written first (at most _STOP_GRACE): dropped, a station
        # that rebooted just before the node stopped would wait for its reboot to be confirmed until
        # its next boot.
        await self._boots.stop(_STOP_GRACE)
        self._boot_reads.clear()
        tasks = [lane.task for lane in self._lanes.values() if lane.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._store.drain()

    def kick(self, station_id: str) -> None:
        """Look at this station's actions now (one was queued, or something about it changed)."""
        if not self._running:
            return
        self._attention.add(station_id)
        lane = self._lanes.get(station_id)
        if lane is None:
            lane = self._lanes[station_id] = _Lane(asyncio.Event())
            lane.task = asyncio.create_task(self._run(station_id, lane), name=f"lane {station_id}")
        lane.wake.set()

    def busy_stations(self) -> int:
        return len(self._lanes)

    # -- events -------------------------------------------------------------------------------

    def _on_connected(self, event: StationConnected) -> None:
        lane = self._lanes.get(event.station_id)
        if lane is not None:
            lane.station = None  # its version or identity may have changed while it was away
        if event.station_id in self._attention:
            self.kick(event.station_id)

    def _on_booted(self, event: StationBooted) -> None:
        """A boot is a reboot: remember it (it ends a reboot wait) and queue a fresh read."""
        decision = event.decision
        if decision.status is BootStatus.REJECTED or not self._running:
            return
        # When it booted, not when its batch got written.
        self._boots.add(event.station_id, self._clock.now())

    def _booted(self, station_ids: list[str]) -> None:
        """Their boots are written: a station with work waiting (a reboot to confirm, changes) goes on
        at once; one whose only work is its boot read waits for its turn (`_start_boot_reads`)."""
        for station_id in station_ids:
            if station_id in self._boot_reads:
                continue  # booted again before its read's turn came: that read is still the fresh one
            if station_id in self._lanes or station_id in self._attention:
                self.kick(station_id)
            elif self._settings.read_on_boot:
                self._attention.add(station_id)
                self._boot_reads[station_id] = None
        self._start_boot_reads()

    def _start_boot_reads(self) -> None:
        """Start waiting boot reads while fewer than `boot_read_concurrency` run.

        After a reconnect storm thousands of reads are queued within seconds; started all at once,
        their lanes' queries took the CPU from the stations still connecting, and each held its
        lane and its call (waiting for the station's answer) in memory. None starts while the storm
        is still being written: admitting the stations comes first, and its last batch starts them.
        A request for a waiting station, or its reconnect, starts its lane at once (the lane then
        reads first).
        """
        if self._boots.storm:
            return
        while self._boot_reads and self._boot_reading < self._settings.boot_read_concurrency and self._running:
            station_id = next(iter(self._boot_reads))
            del self._boot_reads[station_id]
            if station_id in self._lanes:
                continue  # started meanwhile, and will read
            self.kick(station_id)
            self._lanes[station_id].boot_read = True
            self._boot_reading += 1

    def _boot_read_stepped(self, lane: _Lane) -> None:
        if lane.boot_read:
            lane.boot_read = False
            self._boot_reading -= 1
            self._start_boot_reads()

    # -- the lane -----------------------------------------------------------------------------

    async def _run(self, station_id: str, lane: _Lane) -> None:
        try:
            while True:
                lane.wake.clear()
                try:
                    until = await self._step(station_id, lane)
                except Exception:
                    log.exception("sequencer step failed", station_id=station_id)
                    until = self._clock.now() + _RETRY_AFTER
                self._boot_read_stepped(lane)
                if until == _AGAIN:
                    continue
                if until is None:
                    if lane.wake.is_set():
                        continue
                    return
                assert isinstance(until, datetime)
                delay = (until - self._clock.now()).total_seconds()
                if delay > 0:
                    try:
                        async with asyncio.timeout(delay):
                            await lane.wake.wait()
                    except TimeoutError:
                        pass
        finally:
            if self._lanes.get(station_id) is lane:
                del self._lanes[station_id]
            self._boot_read_stepped(lane)

    async def _step(self, station_id: str, lane: _Lane) -> datetime | str | None:
        """Do the next thing for this station; returns when to look again (None: nothing left)."""
        async with self._store.reading() as tx:
            # Held in a local: a reconnect clears `lane.station` while this step awaits the database,
            # and the step goes on with the station it started with (the next step reloads it).
            ref = lane.station
            if ref is None:
                station = await tx.stations.get(station_id)
                if station is None:
                    self._attention.discard(station_id)
                    return None
                ref = lane.station = StationRef(station.id, station.identity, station.ocpp_version)
            state = await tx.reported.lane(station_id)
            actions = await tx.actions.open_for(station_id)
        ready_in = self._link.ready_in(ref.identity)
        awaiting = [a for a in actions if a.phase == Phase.AWAITING_REBOOT.value]
        reboot_pending = state is not None and state.reboot_pending
        plan = plan_lane(
            [_open(action) for action in actions],
            LaneFacts(
                now=self._clock.now(),
                ready_in=ready_in,
                reboot_pending=reboot_pending,
                rebooted=_rebooted(state),
                last_change_at=state.last_change_at if state is not None else None,
                spacing=timedelta(seconds=self._settings.change_spacing),
                pending_keys=tuple(SettingTarget.of(a.target).name for a in awaiting),
            ),
        )
        for action_id, reason in plan.notes:
            await self._writes.note_waiting(action_id, reason)
        if plan.confirm_reboot:
            retry_at = await self._confirm_reboot(ref, awaiting, lane)
            return _AGAIN if retry_at is None else retry_at
        if plan.act is None:
            if plan.wake is None and not reboot_pending:
                self._attention.discard(station_id)
            return plan.wake
        action_id, step = plan.act
        action = next(a for a in actions if a.id == action_id)
        outcome = await self._act(ref, action, step)
        if outcome.not_sent:
            # Not sent after all (the connection was closing): its reconnect wakes the lane, and
            # this pause keeps a connection that is still being torn down from spinning it.
            return self._clock.now() + _NOT_SENT_PAUSE
        if outcome.phase is Phase.DONE and len(actions) == 1 and not lane.wake.is_set():
            # That was the station's only open action, and nothing new came: no need to look again.
            if not outcome.reboot_pending and not reboot_pending:
                self._attention.discard(station_id)
            return None
        return _AGAIN

    async def _act(self, ref: StationRef, action: ActionRecord, step: Step) -> Outcome:
        if isinstance(step, Expire):
            answered = (action.response_data or {}).get("status")
            return await self._writes.record(action, failed(step.reason, answered))
        if isinstance(step, Unknown):
            return await self._writes.record(action, _unknown_reset())
        if isinstance(step, ReadBack):
            return await self._resume_change(ref, action)
        return await self._send(ref, action)

    # -- steps --------------------------------------------------------------------------------

    async def _send(self, ref: StationRef, action: ActionRecord) -> Outcome:
        kind = ActionType(action.type)
        if kind is ActionType.RESET:
            reset = ResetTarget.of(action.target)
            if not reset.force and not self._control.reset_waits_for_idle(ref, reset.kind):
                busy = await self._writes.active_transaction(ref.station_id)
                if busy is not None:
                    return await self._writes.record(
                        action, failed(f"not sent: transaction {busy} started on the station")
                    )
        await self._writes.mark_sending(ref, action)
        if kind is ActionType.UPDATE_CONFIGURATION:
            outcome = await self._execution.change(ref, SettingTarget.of(action.target), self._value_of(action))
        elif kind is ActionType.RESET:
            outcome = await self._execution.reset(ref, ResetTarget.of(action.target))
        else:
            # A long 2.0.1 report shows how far it has come (as waitingFor; the CLI prints it).
            outcome = await self._execution.read(
                ref, self._settings.configuration_read_timeout, self._writes.progress(action)
            )
        return await self._writes.record(action, outcome)

    async def _resume_change(self, ref: StationRef, action: ActionRecord) -> Outcome:
        value = self._value_of(action)
        target = SettingTarget.of(action.target)
        if action.phase == Phase.SENDING.value:
            outcome = await self._execution.decide_unanswered(ref, target, value)
        else:
            outcome = await self._execution.read_back(ref, target, value, action.response_data or {})
        return await self._writes.record(action, outcome)

    async def _confirm_reboot(self, ref: StationRef, awaiting: list[ActionRecord], lane: _Lane) -> datetime | None:
        """Read back what waited for the reboot; returns when to try again if the read failed."""
        sent = {a.id: self._value_of(a) for a in awaiting}
        result = await self._execution.confirm_after_reboot(ref, [SettingTarget.of(a.target) for a in awaiting])
        if isinstance(result, Outcome) and result.phase is Phase.AWAITING_REBOOT:
            return None  # gone again before it could be read; its next connection resumes this
        if isinstance(result, Outcome):
            lane.confirm_failures += 1
            if lane.confirm_failures < _CONFIRM_ATTEMPTS:
                log.warning(
                    "reading back after a reboot failed; trying again",
                    identity=ref.identity,
                    reason=(result.response_data or {}).get("reason"),
                    attempt=lane.confirm_failures,
                )
                return self._clock.now() + _CONFIRM_RETRY
        lane.confirm_failures = 0
        await self._writes.confirm_reboot(ref, awaiting, sent, result)
        return None

    # -- storage ------------------------------------------------------------------------------

    def _value_of(self, action: ActionRecord) -> str:
        if action.secret is not None:
            return self._decrypt(action.secret, action.id)
        return str(action.data.get("value", ""))


def _open(action: ActionRecord) -> OpenAction:
    return OpenAction(
        id=action.id,
        kind=ActionType(action.type),
        phase=Phase(action.phase),
        requested=action.status == Status.REQUESTED.value,
        expires_at=action.expires_at,
        waiting_for=action.waiting_for,
    )


def _rebooted(state: LaneState | None) -> bool:
    return (
        state is not None
        and state.booted_at is not None
        and state.reboot_pending_since is not None
        and state.booted_at > state.reboot_pending_since
    )


def _unknown_reset() -> Outcome:
    return failed(
        "the node stopped while sending the Reset; whether the station got it is unknown "
        "(a BootNotification from it would show that it did)"
    )
