"""The fleet-job wave rules, one row each: canary first, waves in order, concurrency, the failure
budget, pause/resume/cancel, and what bad input is refused."""

from dataclasses import replace

import pytest

from switchyard.core.fleet_jobs.waves import (
    JobState,
    JobStatus,
    MemberState,
    Plan,
    WavePolicy,
    cancel,
    finished,
    pause,
    resume,
    start,
)
from switchyard.errors import InvalidInput

OK, FAIL, REFUSED = MemberState.SUCCEEDED, MemberState.FAILED, MemberState.REFUSED


def stations(n: int) -> tuple[str, ...]:
    return tuple(f"S{i:03}" for i in range(n))


def job(n: int, **policy: float) -> JobState:
    return JobState.new(WavePolicy(**policy), stations(n))  # type: ignore[arg-type]


def run(plan: Plan) -> JobState:
    """Mark what the plan starts as running, as the runner does."""
    return replace(plan.state, states={**plan.state.states, **dict.fromkeys(plan.start, MemberState.RUNNING)})


def end(state: JobState, member: str, outcome: MemberState) -> Plan:
    return finished(state, member, outcome)


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ({"canary": 2, "size": 3, "concurrency": 10}, ("S000", "S001")),  # the canary alone
        ({"canary": 0, "size": 3, "concurrency": 10}, ("S000", "S001", "S002")),  # no canary: the first wave
        ({"canary": 0, "size": 5, "concurrency": 2}, ("S000", "S001")),  # concurrency caps a wave
        ({"canary": 20, "size": 5, "concurrency": 3}, ("S000", "S001", "S002")),  # and the canary
    ],
)
def test_what_starts_first(policy: dict[str, float], expected: tuple[str, ...]) -> None:
    assert start(job(10, **policy)).start == expected


def test_the_canary_must_all_succeed_before_the_first_wave() -> None:
    state = run(start(job(10, canary=2, size=3, concurrency=10)))
    after_one = end(state, "S000", OK)
    assert after_one.start == ()  # S001 still runs: the canary is not through
    after_both = end(after_one.state, "S001", OK)
    assert after_both.start == ("S002", "S003", "S004")


def test_one_failing_canary_stops_the_job_whatever_the_budget() -> None:
    state = run(start(job(10, canary=2, size=3, concurrency=10, max_failure_rate=0.5)))
    plan = end(state, "S000", FAIL)
    assert plan.state.status is JobStatus.STOPPED
    assert plan.state.reason == "a canary failed"
    assert plan.start == ()


def test_a_wave_waits_for_the_one_before_it_and_concurrency_refills_within_a_wave() -> None:
    state = run(start(job(7, canary=0, size=4, concurrency=2, max_failure_rate=1)))
    assert {state.states[m] for m in ("S000", "S001")} == {MemberState.RUNNING}
    refill = end(state, "S000", OK)
    assert refill.start == ("S002",)  # same wave, a slot came free
    state = run(refill)
    state = run(end(state, "S001", OK))
    assert state.states["S003"] is MemberState.RUNNING
    waiting = end(state, "S002", OK)
    assert waiting.start == ()  # S003 still runs: wave 2 (S004..) waits for it
    assert end(waiting.state, "S003", OK).start == ("S004", "S005")


def test_the_failure_budget_stops_at_the_failure_that_exceeds_it() -> None:
    # 20 stations at 10%: two failures are within the budget, the third stops the job.
    state = run(start(job(20, canary=0, size=20, concurrency=20, max_failure_rate=0.1)))
    state = end(state, "S000", FAIL).state
    second = end(state, "S001", FAIL)
    assert second.state.status is JobStatus.RUNNING
    third = end(second.state, "S002", FAIL)
    assert third.state.status is JobStatus.STOPPED
    assert third.state.reason == "3 failures, over the budget of 2 (10%)"
    assert third.start == ()


def test_refusals_are_not_runs_and_not_failures() -> None:
    # 12 members, 2 refused at preflight: the budget is 10% of 10 = 1.
    state = run(start(job(12, canary=0, size=12, concurrency=12, max_failure_rate=0.1)))
    state = end(state, "S010", REFUSED).state
    state = end(state, "S011", REFUSED).state
    state = end(state, "S000", FAIL).state
    assert state.status is JobStatus.RUNNING
    assert end(state, "S001", FAIL).state.status is JobStatus.STOPPED


def test_a_job_whose_members_all_finished_is_completed() -> None:
    state = run(start(job(2, canary=1, size=1, concurrency=1, max_failure_rate=1)))
    state = run(end(state, "S000", OK))
    done = end(state, "S001", FAIL)
    assert done.state.status is JobStatus.COMPLETED
    assert done.state.counts() == {OK: 1, FAIL: 1}


def test_pause_starts_nothing_new_and_resume_goes_on() -> None:
    state = run(start(job(6, canary=0, size=6, concurrency=2)))
    paused = pause(state).state
    assert paused.status is JobStatus.PAUSED
    still = end(paused, "S000", OK)
    assert still.start == ()  # a running member finished, nothing new started
    resumed = resume(still.state)
    assert resumed.state.status is JobStatus.RUNNING
    assert resumed.start == ("S002",)


def test_a_resumed_job_gets_a_fresh_budget_for_what_is_left() -> None:
    state = run(start(job(10, canary=0, size=10, concurrency=10, max_failure_rate=0.1)))
    state = end(state, "S000", FAIL).state
    stopped = end(state, "S001", FAIL).state
    assert stopped.status is JobStatus.STOPPED
    resumed = resume(stopped).state
    assert resumed.status is JobStatus.RUNNING
    # 8 members left to run: a budget of 0, so the next failure stops it again.
    assert end(resumed, "S002", OK).state.status is JobStatus.RUNNING
    again = end(resumed, "S003", FAIL).state
    assert again.status is JobStatus.STOPPED
    assert again.reason == "1 failures, over the budget of 0 (10%)"


def test_cancel_cancels_the_pending_and_lets_the_running_finish() -> None:
    state = run(start(job(5, canary=0, size=5, concurrency=2)))
    cancelled = cancel(state)
    assert cancelled.state.status is JobStatus.CANCELLED
    assert cancelled.start == ()
    assert cancelled.state.counts() == {MemberState.RUNNING: 2, MemberState.CANCELLED: 3}
    after = end(cancelled.state, "S000", OK)
    assert after.start == ()
    assert after.state.status is JobStatus.CANCELLED


def test_an_outcome_told_twice_changes_nothing() -> None:
    state = run(start(job(3, canary=0, size=3, concurrency=1)))
    once = run(end(state, "S000", OK))
    assert end(once, "S000", FAIL).state == once


@pytest.mark.parametrize(
    ("act", "status", "message"),
    [
        (start, JobStatus.RUNNING, "a running job cannot be started"),
        (pause, JobStatus.PAUSED, "only a running job can be paused; this one is paused"),
        (resume, JobStatus.RUNNING, "only a paused or stopped job can be resumed; this one is running"),
        (cancel, JobStatus.COMPLETED, "a completed job cannot be cancelled"),
        (cancel, JobStatus.CANCELLED, "a cancelled job cannot be cancelled"),
    ],
)
def test_transitions_that_make_no_sense_are_refused(act: object, status: JobStatus, message: str) -> None:
    state = JobState(WavePolicy(), stations(2), dict.fromkeys(stations(2), MemberState.PENDING), status)
    with pytest.raises(InvalidInput, match=message):
        act(state)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ({"canary": -1}, "canary must be 0 or more, not -1"),
        ({"size": 0}, "wave size must be at least 1, not 0"),
        ({"concurrency": 0}, "concurrency must be at least 1, not 0"),
        ({"max_failure_rate": 1.5}, "maxFailureRate must be between 0 and 1, not 1.5"),
    ],
)
def test_bad_policies_are_refused(policy: dict[str, float], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        WavePolicy(**policy)  # type: ignore[arg-type]


def test_bad_members_and_outcomes_are_refused() -> None:
    with pytest.raises(InvalidInput, match="a fleet job lists each station once"):
        JobState.new(WavePolicy(), ("A", "A"))
    state = run(start(job(2)))
    with pytest.raises(InvalidInput, match="S999 is not a member of this job"):
        finished(state, "S999", OK)
    with pytest.raises(ValueError, match="running is not an end state"):
        finished(state, "S000", MemberState.RUNNING)
