"""CSMS-initiated calls: one outstanding per station, timeouts, late answers, disconnects."""

import asyncio
import json

import pytest

from switchyard.errors import CallError, CallTimeout, InvalidRequest, InvalidResponse, NotConnected
from switchyard.protocol.dialect import V16, V201
from tests.protocol.fakes import make_endpoint


async def test_second_call_waits_until_the_first_is_answered() -> None:
    endpoint, wire, _ = make_endpoint(V16)
    first = asyncio.create_task(endpoint.pipe.call("GetConfiguration", {}, timeout=5))
    second = asyncio.create_task(endpoint.pipe.call("Reset", {"type": "Soft"}, timeout=5))
    await asyncio.sleep(0.01)
    assert len(wire.frames) == 1, "only one CALL may be outstanding"
    call_id = wire.last()[1]
    endpoint.receive(json.dumps([3, call_id, {"configurationKey": []}]))
    assert await first == {"configurationKey": []}
    await asyncio.sleep(0.01)
    assert len(wire.frames) == 2
    assert wire.last()[2] == "Reset"
    endpoint.receive(json.dumps([3, wire.last()[1], {"status": "Accepted"}]))
    assert await second == {"status": "Accepted"}


async def test_ids_are_unique_uuids_of_36_characters() -> None:
    endpoint, wire, _ = make_endpoint(V201)
    for _ in range(3):
        task = asyncio.create_task(endpoint.pipe.call("Reset", {"type": "Immediate"}, timeout=5))
        await asyncio.sleep(0)
        endpoint.receive(json.dumps([3, wire.last()[1], {"status": "Accepted"}]))
        await task
    ids = [frame[1] for frame in wire.decoded()]
    assert len(set(ids)) == 3
    assert all(len(i) == 36 for i in ids)


async def test_timeout_then_the_late_answer_is_dropped() -> None:
    endpoint, wire, observer = make_endpoint(V16)
    with pytest.raises(CallTimeout) as caught:
        await endpoint.pipe.call("Reset", {"type": "Hard"}, timeout=0.05)
    assert caught.value.timeout == 0.05
    late_id = wire.last()[1]
    endpoint.receive(json.dumps([3, late_id, {"status": "Accepted"}]))
    assert len(wire.frames) == 1, "nothing is sent back for a late answer"
    assert observer.seen[-1][:3] == ("in", 3, late_id), "it is still logged"
    # and the pipe is free for the next call
    task = asyncio.create_task(endpoint.pipe.call("Reset", {"type": "Hard"}, timeout=5))
    await asyncio.sleep(0)
    endpoint.receive(json.dumps([3, wire.last()[1], {"status": "Rejected"}]))
    assert await task == {"status": "Rejected"}


async def test_answer_with_an_unknown_id_is_dropped() -> None:
    endpoint, wire, _ = make_endpoint(V16)
    task = asyncio.create_task(endpoint.pipe.call("Reset", {"type": "Hard"}, timeout=5))
    await asyncio.sleep(0)
    endpoint.receive(json.dumps([3, "not-ours", {"status": "Accepted"}]))
    assert not task.done()
    endpoint.receive(json.dumps([3, wire.last()[1], {"status": "Accepted"}]))
    assert await task == {"status": "Accepted"}


async def test_disconnect_fails_the_pending_and_the_queued_calls_at_once() -> None:
    endpoint, _, _ = make_endpoint(V201)
    pending = asyncio.create_task(endpoint.pipe.call("Reset", {"type": "Immediate"}, timeout=30))
    queued = asyncio.create_task(endpoint.pipe.call("Reset", {"type": "OnIdle"}, timeout=30))
    await asyncio.sleep(0.01)
    endpoint.close("connection closed")
    for task in (pending, queued):
        with pytest.raises(NotConnected, match="connection closed"):
            await asyncio.wait_for(task, 1)
    with pytest.raises(NotConnected):
        await endpoint.pipe.call("Reset", {"type": "Immediate"}, timeout=1)


async def test_callerror_becomes_a_typed_error() -> None:
    endpoint, wire, _ = make_endpoint(V16)
    task = asyncio.create_task(endpoint.pipe.call("ChangeConfiguration", {"key": "X", "value": "1"}, timeout=5))
    await asyncio.sleep(0)
    endpoint.receive(json.dumps([4, wire.last()[1], "NotSupported", "no such thing", {"k": 1}]))
    with pytest.raises(CallError) as caught:
        await task
    assert (caught.value.code, caught.value.description, caught.value.details) == (
        "NotSupported",
        "no such thing",
        {"k": 1},
    )
    assert caught.value.action == "ChangeConfiguration"
    assert caught.value.identity == "CP-1"


async def test_invalid_answer_is_an_invalid_response_not_a_success() -> None:
    endpoint, wire, _ = make_endpoint(V16)
    task = asyncio.create_task(endpoint.pipe.call("ChangeConfiguration", {"key": "X", "value": "1"}, timeout=5))
    await asyncio.sleep(0)
    endpoint.receive(json.dumps([3, wire.last()[1], {"status": "Maybe"}]))
    with pytest.raises(InvalidResponse) as caught:
        await task
    assert caught.value.code == "PropertyConstraintViolation"


async def test_unreadable_answer_with_our_id_fails_the_call_at_once() -> None:
    endpoint, wire, _ = make_endpoint(V16)
    task = asyncio.create_task(endpoint.pipe.call("Reset", {"type": "Hard"}, timeout=30))
    await asyncio.sleep(0)
    endpoint.receive(json.dumps([3, wire.last()[1], "Accepted"]))
    with pytest.raises(InvalidResponse):
        await asyncio.wait_for(task, 1)


@pytest.mark.parametrize(
    ("action", "payload"),
    [("Reset", {"type": "Sideways"}), ("NoSuchAction", {}), ("Reset", {})],
)
async def test_invalid_request_is_refused_before_anything_is_sent(action: str, payload: dict[str, str]) -> None:
    endpoint, wire, _ = make_endpoint(V16)
    with pytest.raises(InvalidRequest):
        await endpoint.pipe.call(action, payload, timeout=1)
    assert wire.frames == []


async def test_cancelled_caller_frees_the_pipe() -> None:
    endpoint, wire, _ = make_endpoint(V16)
    task = asyncio.create_task(endpoint.pipe.call("Reset", {"type": "Hard"}, timeout=30))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    follow = asyncio.create_task(endpoint.pipe.call("Reset", {"type": "Soft"}, timeout=5))
    await asyncio.sleep(0)
    endpoint.receive(json.dumps([3, wire.last()[1], {"status": "Accepted"}]))
    assert await follow == {"status": "Accepted"}
