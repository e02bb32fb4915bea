"""Inbound migrations: Switchyard as the new CSMS ("CSMS 2" of seed 000).

Before the old backend starts moving stations, the operator lists the identities that will arrive,
with their credentials ("whitelisted in the new backend"). Each is registered at once and expected
until its first boot here (`arrived`), or until the deadline passes (`failed`: it never came). Every
boot is followed by a configuration read already (the sequencer's boot read); with `cleanup`, the old
CSMS's slot is emptied too (seed 000 step 7): blanked in 1.6, dropped from the priority in 2.0.1.
"""

import asyncio
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from switchyard.clock import Clock, iso_utc
from switchyard.core.fleet_jobs.runner import FleetJobRunner, MemberSignals
from switchyard.core.fleet_jobs.waves import JobStatus, MemberState
from switchyard.core.migration.arrival import StationLookout
from switchyard.core.migration.events import job_event, station_event
from switchyard.core.migration.execution import StationCommands
from switchyard.core.migration.job_spec import member_station
from switchyard.core.migration.methods import method_for
from switchyard.core.migration.model import INBOUND_KIND, OUTCOME, MethodName, StationState
from switchyard.core.migration.station_watch import BOOTED, Seen, StationWatch
from switchyard.core.migration.steps import CallFailed, Provisioned, SetPriority, WriteSlotValue
from switchyard.core.migration.views import MigrationView, migration_view
from switchyard.core.principal import Principal
from switchyard.core.registry.stations import Stations
from switchyard.domain import ProvisionStatus, RegistrationState, Scope, StationRef
from switchyard.errors import InvalidInput, NotFound, ReadFailed, StationCallFailed
from switchyard.ids import is_id, new_id
from switchyard.ports.fleet_jobs import FleetJobStore, FleetJobTx, JobRecord, MemberRecord

MAX_EXPECTED = 10_000
MAX_DEADLINE_SECONDS = 90 * 24 * 3600
# Seconds between two looks at the boot record of an expected station that is connected here already.
RECHECK_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class Expected:
    identity: str
    ocpp_version: str
    security_profile: int
    serial_number: str | None = None
    password: str | None = None


class InboundMigrations:
    def __init__(
        self,
        fleet: FleetJobStore,
        stations: Stations,
        runner: FleetJobRunner,
        clock: Clock,
    ) -> None:
        self._fleet = fleet
        self._stations = stations
        self._runner = runner
        self._clock = clock

    async def create(
        self, who: Principal, expected: list[Expected], deadline_seconds: int, cleanup: bool
    ) -> MigrationView:
        who.require(Scope.WRITE)
        if not expected:
            raise InvalidInput("stations: list at least one expected station")
        if len(expected) > MAX_EXPECTED:
            raise InvalidInput(f"stations: at most {MAX_EXPECTED} per inbound migration")
        if not 1 <= deadline_seconds <= MAX_DEADLINE_SECONDS:
            raise InvalidInput(f"deadlineSeconds must be between 1 and {MAX_DEADLINE_SECONDS}")
        if len({e.identity for e in expected}) != len(expected):
            raise InvalidInput("stations: each identity once")
        for station in expected:
            if station.security_profile in (1, 2) and not station.password:
                # A generated password would never be shown, and the old backend must give this one to the
                # station: without it the station could never log in here.
                raise InvalidInput(
                    f"stations: {station.identity} needs its password (security profile {station.security_profile})"
                )
        job_id, now = new_id(), self._clock.now()
        members = await self._register(who, job_id, expected, now)
        size = len(members)
        job = JobRecord(
            id=job_id,
            operator_id=who.operator_id,
            kind=INBOUND_KIND,
            status=JobStatus.PLANNED.value,
            reason=None,
            spec={"deadlineSeconds": deadline_seconds, "cleanup": cleanup, "expectedSince": iso_utc(now)},
            policy={"canary": 0, "size": size, "concurrency": size, "maxFailureRate": 1.0},
            forgiven_failures=0,
            forgiven_runs=0,
            created_at=now,
            updated_at=now,
        )
        async with self._fleet.transaction() as tx:
            await tx.add_job(job, members)
        await self._runner.start(job_id)
        return await self.get(who, job_id)

    async def _register(
        self, who: Principal, job_id: str, expected: list[Expected], now: datetime
    ) -> list[MemberRecord]:
        """Every expected station registered, or none: a refused request (an identity in use, a bad
        password) leaves nothing behind, so the corrected request can be sent again."""
        members: list[MemberRecord] = []
        try:
            for n, station in enumerate(expected):
                created = await self._stations.create_station(
                    who,
                    identity=station.identity,
                    ocpp_version=station.ocpp_version,
                    security_profile=station.security_profile,
                    password=station.password,
                    serial_number=station.serial_number,
                    registration_state=RegistrationState.ACCEPTED,
                )
                members.append(_expected_member(job_id, n, created.station.id, station, now))
        except Exception:
            for member in members:
                await self._stations.delete_station(who, member.station_id)
            raise
        return members

    async def get(self, who: Principal, job_id: str) -> MigrationView:
        who.require(Scope.READ)
        async with self._fleet.reading() as tx:
            job = await tx.job(job_id) if is_id(job_id) else None
            if job is None or job.operator_id != who.operator_id or job.kind != INBOUND_KIND:
                raise NotFound(f"migration {job_id} not found")
            members = await tx.members(job.id)
        return migration_view(job, members, dict(job.spec))


def _expected_member(job_id: str, position: int, station_id: str, station: Expected, now: datetime) -> MemberRecord:
    return MemberRecord(
        job_id=job_id,
        position=position,
        station_id=station_id,
        outcome=MemberState.PENDING.value,
        state=StationState.EXPECTED.value,
        step="await_arrival",
        reason=None,
        procedure={"identity": station.identity, "ocppVersion": station.ocpp_version},
        updated_at=now,
    )


class InboundDriver:
    kind = INBOUND_KIND

    def __init__(
        self,
        store: FleetJobStore,
        watch: StationWatch,
        lookout: StationLookout,
        commands: StationCommands,
        clock: Clock,
    ) -> None:
        self._store = store
        self._watch = watch
        self._lookout = lookout
        self._commands = commands
        self._clock = clock

    def cancel_signal(self) -> Any:
        return "cancel"

    def job_event(self, tx: FleetJobTx, job: JobRecord, name: str, data: dict[str, Any]) -> None:
        job_event(tx, job, name, {"inbound": True, **data}, self._clock.now())

    async def run(self, job: JobRecord, member: MemberRecord, signals: MemberSignals) -> MemberState:
        station = member_station(member)
        since = datetime.fromisoformat(job.spec["expectedSince"])
        deadline = since + timedelta(seconds=int(job.spec["deadlineSeconds"]))
        if member.state == StationState.EXPECTED.value:
            member = await self._save(job, member, StationState.EXPECTED, None, None)
            arrived, cancelled = await self._arrival(station, since, deadline, signals)
            if arrived is None and cancelled:
                await self._save(job, member, StationState.CANCELLED, "cancelled before it arrived", None)
                return MemberState.CANCELLED
            if arrived is None:
                reason = f"did not arrive within {job.spec['deadlineSeconds']} s"
                await self._save(job, member, StationState.FAILED, reason, "failed")
                return MemberState.FAILED
            member = await self._save(job, member, StationState.ARRIVED, None, "arrived")
        if job.spec.get("cleanup") and not member.procedure.get("cleanedUp"):
            reason = await self._cleanup(station)
            member = replace(member, procedure={**member.procedure, "cleanedUp": True})
            await self._save(job, member, StationState.ARRIVED, reason, None)
        return MemberState.SUCCEEDED

    async def _arrival(
        self, station: StationRef, since: datetime, deadline: datetime, signals: MemberSignals
    ) -> tuple[datetime | None, bool]:
        """When the station booted here (after `since`; None if it did not by the deadline), and whether
        the job was cancelled while waiting: its cancel signal says so, not the clock (the timer and the
        wall clock may disagree by a hair at the deadline)."""
        booted = asyncio.get_running_loop().create_future()

        def seen(event: Seen) -> None:
            if event.what == BOOTED and not booted.done():
                booted.set_result(event.at)

        stop = self._watch.watch(station.identity, seen)
        cancelled = asyncio.ensure_future(signals.inbox.get())
        try:
            while not booted.done() and not cancelled.done():
                recorded = await self._lookout.booted_at(station.station_id)
                if recorded is not None and recorded > since:
                    return recorded, False
                left = (deadline - self._clock.now()).total_seconds()
                if left <= 0:
                    break
                # A station connected here already may have booted just before the watch began, and boots
                # are written in batches: its boot may not be on record yet, so the record is asked again.
                here = self._lookout.is_connected(station.identity)
                wait = min(left, RECHECK_SECONDS) if here else left
                await asyncio.wait({booted, cancelled}, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
            if booted.done():
                return booted.result(), False
            return None, cancelled.done()
        finally:
            cancelled.cancel()
            stop()

    async def _cleanup(self, station: StationRef) -> str:
        method = method_for(MethodName.AUTO, station.ocpp_version)
        try:
            picture = await self._commands.read_network(station)
        except (StationCallFailed, ReadFailed) as exc:
            return f"arrived; the old slot was left: its network settings could not be read: {exc}"
        active = picture.active_slot if picture.active_slot is not None else picture.first
        if active is None:
            return "arrived; the old slot was left: the slot in use is unknown"
        command: WriteSlotValue | SetPriority
        if method.reads_slot_back:
            old = [slot for slot, url in picture.slots.items() if slot != active and url]
            if not old:
                return "arrived; no old slot to clean up"
            command = WriteSlotValue(old[0], "")
            done = f"the old slot ({method.slot_setting(old[0])}) was blanked"
        else:
            command = SetPriority((active,))
            done = f"the priority was cut to slot {active}, the one in use"
        answer = await self._commands.carry_out(station, command, method)
        if isinstance(answer, Provisioned) and answer.status is ProvisionStatus.REBOOT_REQUIRED:
            return f"arrived; {done}, from the station's next reboot"
        if isinstance(answer, Provisioned) and answer.status is ProvisionStatus.ACCEPTED:
            return f"arrived; {done}"
        what = answer.error if isinstance(answer, CallFailed) else getattr(answer, "answer", answer)
        return f"arrived; cleaning up the old slot failed: {what}"

    async def _save(
        self, job: JobRecord, member: MemberRecord, state: StationState, reason: str | None, event: str | None
    ) -> MemberRecord:
        updated = replace(
            member,
            outcome=OUTCOME[state].value,
            state=state.value,
            reason=reason,
            updated_at=self._clock.now(),
            step="done" if state is not StationState.EXPECTED else "await_arrival",
        )
        async with self._store.transaction() as tx:
            await tx.update_member(updated)
            if event is not None:
                station_event(tx, job, member, event, {"state": state.value, "reason": reason}, self._clock.now())
        return updated
