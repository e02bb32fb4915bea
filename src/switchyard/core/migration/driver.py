"""Runs one station's migration procedure for the fleet-job runner: persist, act, wait, repeat.

Every step is written (with its webhook events, in the same transaction) before its commands are
carried out, so a node that dies resumes from the step it was at. The procedure hears everything
through one queue: the answers to its calls, what the station does (`arrival.py`), and what the
operator asks (cancel, rollback, confirm).
"""

import asyncio
from dataclasses import replace
from typing import Any

import structlog

from switchyard.cipher import SecretCipher
from switchyard.clock import Clock
from switchyard.core.fleet_jobs.runner import MemberSignals
from switchyard.core.fleet_jobs.waves import MemberState
from switchyard.core.migration.arrival import ArrivalWatch, StationProfiles
from switchyard.core.migration.events import job_event, station_event
from switchyard.core.migration.execution import StationCommands
from switchyard.core.migration.job_spec import MigrationSpec, member_station
from switchyard.core.migration.methods import method_for
from switchyard.core.migration.model import KIND, OUTCOME
from switchyard.core.migration.procedure import step
from switchyard.core.migration.recovery import resume
from switchyard.core.migration.state import Context, Procedure, procedure_from_json, procedure_to_json
from switchyard.core.migration.steps import (
    Announce,
    AwaitArrival,
    CancelRequested,
    Command,
    Event,
    Reset,
    RollbackRequested,
    WaitUntilIdle,
)
from switchyard.domain import StationRef
from switchyard.ports.fleet_jobs import FleetJobStore, FleetJobTx, JobRecord, MemberRecord

log = structlog.get_logger("switchyard.migration")


class MigrationDriver:
    kind = KIND

    def __init__(
        self,
        store: FleetJobStore,
        commands: StationCommands,
        watch: ArrivalWatch,
        profiles: StationProfiles,
        clock: Clock,
        cipher: SecretCipher,
        reconnect_wait: float,
    ) -> None:
        self._store = store
        self._commands = commands
        self._watch = watch
        self._profiles = profiles
        self._clock = clock
        self._cipher = cipher
        self._reconnect_wait = reconnect_wait

    def cancel_signal(self) -> Event:
        return CancelRequested(self._clock.now())

    def job_event(self, tx: FleetJobTx, job: JobRecord, name: str, data: dict[str, Any]) -> None:
        job_event(tx, job, name, data, self._clock.now())

    async def run(self, job: JobRecord, member: MemberRecord, signals: MemberSignals) -> MemberState:
        spec = MigrationSpec.from_json(job.spec, lambda secret: self._cipher.decrypt(secret, job.id))
        station = member_station(member)
        context = Context(method_for(spec.target.method, station.ocpp_version), spec.target, spec.target_root_pem)
        procedure = procedure_from_json(member.procedure["procedure"])
        if member.procedure.get("request") == "rollback":
            procedure, commands = step(procedure, RollbackRequested(self._clock.now()), context)
        else:
            procedure, commands = resume(procedure, context, self._clock.now())
        inbox = signals.inbox
        waiting = _Waits()
        stop_watching = self._watch.watch(station, spec, lambda: procedure, inbox)
        try:
            while True:
                member = await self._save(job, member, procedure, commands)
                if procedure.ended:
                    await self._profiles.settle(station, spec.target, procedure)
                    return OUTCOME[procedure.state]
                await self._act(station, context, procedure, commands, inbox, waiting, spec)
                event = await inbox.get()
                procedure, commands = step(procedure, event, context)
        finally:
            stop_watching()
            waiting.cancel()

    async def _act(
        self,
        station: StationRef,
        context: Context,
        procedure: Procedure,
        commands: list[Command],
        inbox: asyncio.Queue[Any],
        waiting: "_Waits",
        spec: MigrationSpec,
    ) -> None:
        for command in commands:
            if isinstance(command, Announce):
                continue
            if isinstance(command, WaitUntilIdle):
                waiting.start("idle", self._watch.until_idle(station, inbox))
            elif isinstance(command, AwaitArrival):
                waiting.start("arrival", self._watch.await_arrival(station, spec, procedure, inbox))
            else:
                await self._watch.until_ready(station, self._reconnect_wait)
                if isinstance(command, Reset):
                    await self._profiles.before_reset(station, spec.target)
                answer = await self._commands.carry_out(station, command, context.method)
                if answer is not None:
                    inbox.put_nowait(answer)

    async def _save(
        self, job: JobRecord, member: MemberRecord, procedure: Procedure, commands: list[Command]
    ) -> MemberRecord:
        now = self._clock.now()
        updated = replace(
            member,
            outcome=OUTCOME[procedure.state].value,
            state=procedure.state.value,
            step=procedure.step.value,
            reason=procedure.reason,
            procedure={**member.procedure, "procedure": procedure_to_json(procedure), "request": None},
            updated_at=now,
        )

        async def save(tx: FleetJobTx) -> None:
            await tx.update_member(updated)
            for command in commands:
                if isinstance(command, Announce):
                    self._announce(tx, job, updated, procedure, command)

        # Shared with the other stations' steps (group commit): a wave of a hundred stations writes
        # its steps in a few transactions, each step still durable before its commands go out.
        await self._store.write(save)
        return updated

    def _announce(
        self, tx: FleetJobTx, job: JobRecord, member: MemberRecord, procedure: Procedure, said: Announce
    ) -> None:
        state = {"state": procedure.state.value, "step": procedure.step.value, "reason": procedure.reason}
        station_event(tx, job, member, said.name, {**state, **said.data}, self._clock.now())


class _Waits:
    """The waits a procedure has under way (for idle, for arrival), cancelled when it moves on."""

    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def start(self, name: str, work: Any) -> None:
        old = self._tasks.pop(name, None)
        if old is not None:
            old.cancel()
        self._tasks[name] = asyncio.create_task(work, name=f"migration wait {name}")

    def cancel(self) -> None:
        for task in self._tasks.values():
            task.cancel()
        self._tasks.clear()
