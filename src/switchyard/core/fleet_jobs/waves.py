"""Which members of a fleet job start next, decided from the job's state alone (no IO).

A fleet job applies one per-station procedure (a migration, a policy rollout, a commissioning) to
many stations in waves. The rules, each a row in a table test:

- The canary (the first `canary` members) runs first; every canary must succeed before anything
  else starts, and one failing canary stops the job.
- Then waves of `size` members, in order: a wave starts only when the one before it has finished,
  and at most `concurrency` members run at once.
- The failure budget is `max_failure_rate` of the members the job will run (refusals at preflight
  are not runs); the failure that exceeds it stops the job at once, so a bad firmware halts a
  rollout early rather than at the end of the wave. A resume after a stop gives a fresh budget
  for what is left.
- Paused, stopped and cancelled jobs start nothing; their running members finish their current
  step (or roll it back: the procedure's business, never left half-done). Cancelling cancels the
  pending members at once.
"""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from math import floor

from switchyard.errors import InvalidInput


class MemberState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    # Refused before anything was sent (preflight, unsupported): not a run, not a failure.
    REFUSED = "refused"
    CANCELLED = "cancelled"


class JobStatus(StrEnum):
    PLANNED = "planned"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


FINISHED = frozenset({MemberState.SUCCEEDED, MemberState.FAILED, MemberState.REFUSED, MemberState.CANCELLED})
ENDED = frozenset({JobStatus.COMPLETED, JobStatus.CANCELLED})


@dataclass(frozen=True, slots=True)
class WavePolicy:
    canary: int = 1
    size: int = 50
    concurrency: int = 20
    max_failure_rate: float = 0.1

    def __post_init__(self) -> None:
        if self.canary < 0:
            raise InvalidInput(f"canary must be 0 or more, not {self.canary}")
        if self.size < 1:
            raise InvalidInput(f"wave size must be at least 1, not {self.size}")
        if self.concurrency < 1:
            raise InvalidInput(f"concurrency must be at least 1, not {self.concurrency}")
        if not 0.0 <= self.max_failure_rate <= 1.0:
            raise InvalidInput(f"maxFailureRate must be between 0 and 1, not {self.max_failure_rate}")


@dataclass(frozen=True, slots=True)
class JobState:
    policy: WavePolicy
    # In the order they run: the canary first.
    members: tuple[str, ...]
    states: Mapping[str, MemberState]
    status: JobStatus = JobStatus.PLANNED
    reason: str | None = None
    # Failures counted before the last resume: a resumed job gets a fresh budget for what is left.
    forgiven_failures: int = 0
    forgiven_runs: int = 0
    _positions: Mapping[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_positions", {member: n for n, member in enumerate(self.members)})

    @classmethod
    def new(cls, policy: WavePolicy, members: tuple[str, ...]) -> "JobState":
        if len(set(members)) != len(members):
            raise InvalidInput("a fleet job lists each station once")
        return cls(policy, members, dict.fromkeys(members, MemberState.PENDING))

    def counts(self) -> Counter[MemberState]:
        return Counter(self.states.values())

    def wave_of(self, member: str) -> int:
        """0 is the canary; waves after it count from 1."""
        index = self._positions[member]
        if index < self.policy.canary:
            return 0
        return 1 + (index - self.policy.canary) // self.policy.size


@dataclass(frozen=True, slots=True)
class Plan:
    """What the runner does now: start these members (in this order), and the job's new state."""

    state: JobState
    start: tuple[str, ...] = ()


def start(state: JobState) -> Plan:
    if state.status is not JobStatus.PLANNED:
        raise InvalidInput(f"a {state.status} job cannot be started")
    return plan(replace(state, status=JobStatus.RUNNING))


def pause(state: JobState) -> Plan:
    if state.status is not JobStatus.RUNNING:
        raise InvalidInput(f"only a running job can be paused; this one is {state.status}")
    return Plan(replace(state, status=JobStatus.PAUSED, reason="paused"))


def resume(state: JobState) -> Plan:
    if state.status not in (JobStatus.PAUSED, JobStatus.STOPPED):
        raise InvalidInput(f"only a paused or stopped job can be resumed; this one is {state.status}")
    counts = state.counts()
    return plan(
        replace(
            state,
            status=JobStatus.RUNNING,
            reason=None,
            forgiven_failures=counts[MemberState.FAILED],
            forgiven_runs=counts[MemberState.SUCCEEDED] + counts[MemberState.FAILED],
        )
    )


def cancel(state: JobState) -> Plan:
    if state.status in ENDED:
        raise InvalidInput(f"a {state.status} job cannot be cancelled")
    states = {m: MemberState.CANCELLED if s is MemberState.PENDING else s for m, s in state.states.items()}
    return Plan(replace(state, states=states, status=JobStatus.CANCELLED, reason="cancelled"))


def finished(state: JobState, member: str, outcome: MemberState) -> Plan:
    """A member's procedure ended with `outcome`; what starts next."""
    if outcome not in FINISHED:
        raise ValueError(f"{outcome} is not an end state")
    current = state.states.get(member)
    if current is None:
        raise InvalidInput(f"{member} is not a member of this job")
    if current in FINISHED:
        return Plan(state)  # told twice (a redelivered event): nothing changes
    states = {**state.states, member: outcome}
    return plan(replace(state, states=states))


def plan(state: JobState) -> Plan:
    """The job's status after what is known now, and the members to start."""
    if state.status is not JobStatus.RUNNING:
        return Plan(state)
    counts = state.counts()
    stop = _stop_reason(state, counts)
    if stop is not None:
        return Plan(replace(state, status=JobStatus.STOPPED, reason=stop))
    if counts[MemberState.PENDING] == 0 and counts[MemberState.RUNNING] == 0:
        return Plan(replace(state, status=JobStatus.COMPLETED, reason=None))
    return Plan(state, _next_members(state, counts[MemberState.RUNNING]))


def _stop_reason(state: JobState, counts: Counter[MemberState]) -> str | None:
    canary = state.members[: state.policy.canary]
    if state.forgiven_failures == 0 and any(state.states[m] is MemberState.FAILED for m in canary):
        return "a canary failed"
    failures = counts[MemberState.FAILED] - state.forgiven_failures
    will_run = len(state.members) - counts[MemberState.REFUSED] - counts[MemberState.CANCELLED]
    budget = floor(state.policy.max_failure_rate * (will_run - state.forgiven_runs) + 1e-9)
    if failures > budget:
        return f"{failures} failures, over the budget of {budget} ({state.policy.max_failure_rate:.0%})"
    return None


def _next_members(state: JobState, running: int) -> tuple[str, ...]:
    room = state.policy.concurrency - running
    if room <= 0:
        return ()
    open_wave = _open_wave(state)
    if open_wave is None:
        return ()
    chosen = [m for m in state.members if state.states[m] is MemberState.PENDING and state.wave_of(m) == open_wave]
    return tuple(chosen[:room])


def _open_wave(state: JobState) -> int | None:
    """The earliest wave with members not finished: its pending members may start; later waves wait."""
    for member in state.members:
        if state.states[member] not in FINISHED:
            return state.wave_of(member)
    return None
