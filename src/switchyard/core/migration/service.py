"""CSMS migrations as the API offers them: plan (dry run), start, read, and act on a job or a station.

A job is the caller's: another operator's job does not exist for it (404). Changing anything needs a
`write` key; reading needs `read`. What a station's procedure does is `driver.py`'s business; this
module checks requests, runs the preflight, writes the job and hands it to the fleet-job runner.
"""

import asyncio
from dataclasses import dataclass, replace
from typing import Any

from switchyard.cipher import SecretCipher
from switchyard.clock import Clock
from switchyard.core.fleet_jobs.runner import FleetJobRunner
from switchyard.core.fleet_jobs.waves import JobStatus, MemberState, WavePolicy
from switchyard.core.migration.candidates import CandidateFacts
from switchyard.core.migration.execution import StationCommands
from switchyard.core.migration.job_spec import MigrationSpec, member_station
from switchyard.core.migration.model import INBOUND_KIND, KIND, OUTCOME, StationState, Step
from switchyard.core.migration.preflight import Verdict, check_picture, check_station
from switchyard.core.migration.procedure import can_rollback
from switchyard.core.migration.recovery import retry
from switchyard.core.migration.selection import Selection, select
from switchyard.core.migration.state import Procedure, procedure_from_json, procedure_to_json
from switchyard.core.migration.steps import Arrived
from switchyard.core.migration.views import MigrationView, StationView, migration_view, station_view, summary_view
from switchyard.core.principal import Principal
from switchyard.domain import Scope, StationRef
from switchyard.errors import Conflict, InvalidInput, NotFound, StationCallFailed
from switchyard.ids import is_id, new_id
from switchyard.ports.fleet_jobs import FleetJobStore, FleetJobTx, JobRecord, MemberRecord
from switchyard.ports.registry import RegisteredStation, RegistryStore

DRY_RUN_READS_AT_ONCE = 20
RETRYABLE = frozenset(
    {
        StationState.FELL_BACK,
        StationState.FAILED,
        StationState.ROLLED_BACK,
        StationState.CANCELLED,
        StationState.PREFLIGHT_FAILED,
    }
)


@dataclass(frozen=True, slots=True)
class MigrationRequest:
    selection: Selection
    spec: MigrationSpec
    policy: WavePolicy
    dry_run: bool = False


class Migrations:
    def __init__(
        self,
        fleet: FleetJobStore,
        registry: RegistryStore,
        runner: FleetJobRunner,
        candidates: CandidateFacts,
        commands: StationCommands,
        cipher: SecretCipher,
        clock: Clock,
    ) -> None:
        self._fleet = fleet
        self._registry = registry
        self._runner = runner
        self._candidates = candidates
        self._commands = commands
        self._cipher = cipher
        self._clock = clock

    async def create(self, who: Principal, request: MigrationRequest) -> MigrationView:
        who.require(Scope.WRITE)
        stations = await select(self._registry, who, request.selection)
        candidates = await self._candidates.gather(stations, request.spec.target)
        verdicts = [check_station(c, request.spec.target) for c in candidates]
        if request.dry_run:
            return await self._dry_run(stations, verdicts, request)
        job_id = new_id()
        now = self._clock.now()
        job = JobRecord(
            id=job_id,
            operator_id=who.operator_id,
            kind=KIND,
            status=JobStatus.PLANNED.value,
            reason=None,
            spec=request.spec.to_json(lambda secret: self._cipher.encrypt(secret, job_id)),
            policy=_policy_json(request.policy),
            forgiven_failures=0,
            forgiven_runs=0,
            created_at=now,
            updated_at=now,
        )
        members = [_member(job_id, n, s, v, now) for n, (s, v) in enumerate(_canary_first(stations, verdicts))]
        async with self._fleet.transaction() as tx:
            await tx.add_job(job, members)
        await self._runner.start(job_id)
        return await self.get(who, job_id)

    async def get(self, who: Principal, job_id: str) -> MigrationView:
        who.require(Scope.READ)
        async with self._fleet.reading() as tx:
            job = await _own_job(tx, who, job_id)
            members = await tx.members(job.id)
        return migration_view(job, members, self._parameters(job))

    async def list_for(
        self, who: Principal, limit: int, offset: int, inbound: bool = False
    ) -> tuple[list[MigrationView], int]:
        """Outbound migrations (or inbound ones), newest first, with their counts per state."""
        who.require(Scope.READ)
        kind = INBOUND_KIND if inbound else KIND
        async with self._fleet.reading() as tx:
            jobs = await tx.jobs(who.operator_id, kind, limit, offset)
            total = await tx.count_jobs(who.operator_id, kind)
            counts = await tx.state_counts([j.id for j in jobs])
        views = [summary_view(j, counts.get(j.id, {}), dict(j.spec) if inbound else self._parameters(j)) for j in jobs]
        return views, total

    async def pause(self, who: Principal, job_id: str) -> MigrationView:
        return await self._act(who, job_id, self._runner.pause)

    async def resume(self, who: Principal, job_id: str) -> MigrationView:
        return await self._act(who, job_id, self._runner.resume)

    async def cancel(self, who: Principal, job_id: str) -> MigrationView:
        return await self._act(who, job_id, self._runner.cancel)

    async def retry(self, who: Principal, job_id: str, station: str) -> StationView:
        job, member = await self._own_member(who, job_id, station)
        procedure = procedure_from_json(member.procedure["procedure"])
        if StationState(member.state) not in RETRYABLE:
            raise Conflict(f"a {member.state} station cannot be retried")
        spec = self._spec(job)
        registered = await self._registered(member.station_id)
        (candidate,) = await self._candidates.gather([registered], spec.target, except_job=job.id)
        verdict = check_station(candidate, spec.target)
        if not verdict.passed:
            raise Conflict("the station cannot be retried now: " + "; ".join(verdict.reasons))
        await self._restart(job, member, retry(procedure), None)
        return await self.station(who, job_id, station)

    async def rollback(self, who: Principal, job_id: str, station: str) -> StationView:
        job, member = await self._own_member(who, job_id, station)
        problem = can_rollback(procedure_from_json(member.procedure["procedure"]))
        if problem is not None:
            raise Conflict(problem)
        if not self._candidates_connected(member):
            raise Conflict("the station is offline: it can be rolled back once it is connected here")
        await self._restart(job, member, procedure_from_json(member.procedure["procedure"]), "rollback")
        return await self.station(who, job_id, station)

    async def confirm(self, who: Principal, job_id: str, station: str) -> StationView:
        """The new backend (or a person) says the station arrived there."""
        _, member = await self._own_member(who, job_id, station)
        if member.step not in (Step.RESET.value, Step.AWAIT_ARRIVAL.value):
            raise Conflict(
                f"only a station that was reset and has not arrived can be confirmed; this one is {member.state}"
            )
        if not self._runner.signal(job_id, member.station_id, Arrived(self._clock.now(), "the confirm call")):
            raise Conflict("the station's procedure is not running on this node; try again in a moment")
        for _ in range(50):
            view = await self.station(who, job_id, station)
            if view.state != member.state or view.step != member.step:
                return view
            await asyncio.sleep(0.02)
        return view

    async def station(self, who: Principal, job_id: str, station: str) -> StationView:
        _, member = await self._own_member(who, job_id, station)
        return station_view(member)

    # -- internals -------------------------------------------------------------------------------

    async def _dry_run(
        self, stations: list[RegisteredStation], verdicts: list[Verdict], request: MigrationRequest
    ) -> MigrationView:
        gate = asyncio.Semaphore(DRY_RUN_READS_AT_ONCE)

        async def read(station: RegisteredStation, verdict: Verdict) -> tuple[Verdict, Procedure]:
            if not verdict.passed or verdict.method is None:
                return verdict, Procedure(state=verdict.state, step=Step.DONE, reason="; ".join(verdict.reasons))
            async with gate:
                return await self._read_for_dry_run(station, verdict, request)

        results = await asyncio.gather(*(read(s, v) for s, v in zip(stations, verdicts, strict=True)))
        now = self._clock.now()
        members = []
        for n, (station, (verdict, procedure)) in enumerate(zip(stations, results, strict=True)):
            member = _member("", n, station, verdict, now)
            # The read's reason: why it was refused, or for a station that passes, the slot it would write.
            stored = {**member.procedure, "procedure": procedure_to_json(procedure)}
            members.append(replace(member, reason=procedure.reason, procedure=stored))
        job = JobRecord(
            id="",
            operator_id="",
            kind=KIND,
            status=JobStatus.PLANNED.value,
            reason="dry run: nothing was changed",
            spec={},
            policy=_policy_json(request.policy),
            forgiven_failures=0,
            forgiven_runs=0,
            created_at=now,
            updated_at=now,
        )
        return replace(migration_view(job, members, request.spec.public()), id=None, created_at=None, updated_at=None)

    async def _read_for_dry_run(
        self, station: RegisteredStation, verdict: Verdict, request: MigrationRequest
    ) -> tuple[Verdict, Procedure]:
        assert verdict.method is not None
        ref = StationRef(station.id, station.identity, station.ocpp_version)
        target = request.spec.target
        try:
            picture = await self._commands.read_network(ref)
            certificates = None
            if verdict.method.lists_certificates and target.url.lower().startswith("wss://"):
                certificates = await self._commands.installed_roots(ref)
        except StationCallFailed as exc:
            failed = Verdict(StationState.PREFLIGHT_FAILED, (f"could not read its network settings: {exc}",))
            return failed, Procedure(state=failed.state, step=Step.DONE, reason=failed.reasons[0])
        verdict = check_picture(verdict.method, target, picture, certificates, request.spec.target_root_pem)
        reason = "; ".join(verdict.reasons) or (
            f"would write slot {verdict.slot}" if verdict.slot is not None else None
        )
        procedure = Procedure(
            state=verdict.state, step=Step.PREFLIGHT, reason=reason, slot=verdict.slot, before=picture
        )
        return verdict, procedure

    async def _act(self, who: Principal, job_id: str, action: Any) -> MigrationView:
        who.require(Scope.WRITE)
        async with self._fleet.reading() as tx:
            await _own_job(tx, who, job_id)
        try:
            await action(job_id)
        except InvalidInput as exc:
            raise Conflict(exc.message) from None
        return await self.get(who, job_id)

    async def _own_member(self, who: Principal, job_id: str, station: str) -> tuple[JobRecord, MemberRecord]:
        who.require(Scope.WRITE)
        async with self._fleet.reading() as tx:
            job = await _own_job(tx, who, job_id)
            members = await tx.members(job.id)
        for member in members:
            if station in (member.station_id, member.procedure.get("identity")):
                return job, member
        raise NotFound(f"charge station {station} is not in migration {job_id}")

    async def _restart(self, job: JobRecord, member: MemberRecord, procedure: Procedure, request: str | None) -> None:
        envelope = {**member.procedure, "procedure": procedure_to_json(procedure), "request": request}
        # The state and step shown are the procedure's from now on, not those of the run that ended.
        restarted = replace(
            member,
            state=procedure.state.value,
            step=procedure.step.value,
            reason=procedure.reason,
            procedure=envelope,
            updated_at=self._clock.now(),
        )
        async with self._fleet.transaction() as tx:
            await tx.update_member(restarted)
        await self._runner.run_again(job.id, member.station_id)

    def _candidates_connected(self, member: MemberRecord) -> bool:
        return self._candidates.connected(member_station(member).identity)

    async def _registered(self, station_id: str) -> RegisteredStation:
        async with self._registry.reading() as tx:
            found = await tx.stations.get(station_id)
        if found is None:
            raise NotFound(f"charge station {station_id} no longer exists")
        return found

    def _spec(self, job: JobRecord) -> MigrationSpec:
        return MigrationSpec.from_json(job.spec, lambda secret: self._cipher.decrypt(secret, job.id))

    def _parameters(self, job: JobRecord) -> dict[str, Any]:
        return MigrationSpec.from_json(job.spec, lambda _: "").public()


async def _own_job(tx: FleetJobTx, who: Principal, job_id: str) -> JobRecord:
    job = await tx.job(job_id) if is_id(job_id) else None
    if job is None or job.operator_id != who.operator_id or job.kind != KIND:
        raise NotFound(f"migration {job_id} not found")
    return job


def _canary_first(
    stations: list[RegisteredStation], verdicts: list[Verdict]
) -> list[tuple[RegisteredStation, Verdict]]:
    """Stations that will run first, in the order given, so the canary is made of stations that run;
    the refused ones after them."""
    pairs = list(zip(stations, verdicts, strict=True))
    return [p for p in pairs if p[1].passed] + [p for p in pairs if not p[1].passed]


def _member(job_id: str, position: int, station: RegisteredStation, verdict: Verdict, now: Any) -> MemberRecord:
    if verdict.passed:
        procedure = Procedure()
    else:
        procedure = Procedure(state=verdict.state, step=Step.DONE, reason="; ".join(verdict.reasons))
    return MemberRecord(
        job_id=job_id,
        position=position,
        station_id=station.id,
        outcome=OUTCOME[procedure.state].value if not verdict.passed else MemberState.PENDING.value,
        state=procedure.state.value,
        step=procedure.step.value,
        reason=procedure.reason,
        procedure={
            "identity": station.identity,
            "ocppVersion": station.ocpp_version,
            "procedure": procedure_to_json(procedure),
        },
        updated_at=now,
    )


def _policy_json(policy: WavePolicy) -> dict[str, Any]:
    return {
        "canary": policy.canary,
        "size": policy.size,
        "concurrency": policy.concurrency,
        "maxFailureRate": policy.max_failure_rate,
    }
