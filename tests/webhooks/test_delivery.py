"""Delivery over real sockets: signed, in order per station, retried, given up, never for a rolled-back change."""

import asyncio
import itertools
import json
import random
import re
import time
from collections.abc import Awaitable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from switchyard.core.webhooks.outbox import enqueue
from switchyard.store.database import Database
from switchyard.store.outbox import SessionOutbox
from tests.api.helpers import bearer, expect, make_tenant, unique
from tests.support import RunningNode, running_node
from tests.webhooks.conftest import FAST, key_file, one_database, started
from tests.webhooks.helpers import emit, event, eventually, operator_of, settled, subscribe, verify
from tests.webhooks.receiver import Receiver

RFC3339_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
STATIONS = ("645e58b1a448ff6e42285ce1", "645e58b1a448ff6e42285ce2", "645e58b1a448ff6e42285ce3")


def _n(request: Any) -> int:
    return int(request.json()["data"]["n"])


def _by_station(requests: list[Any]) -> dict[str, list[int]]:
    seen: dict[str, list[int]] = {}
    for request in requests:
        data = request.json()["data"]
        seen.setdefault(data["station"], []).append(data["n"])
    return seen


async def test_an_event_arrives_signed_in_the_edrv_envelope(node: RunningNode, receiver: Receiver) -> None:
    hook = await subscribe(node, receiver.url)
    operator = await operator_of(node)
    action = {
        "_id": "645e58b1a448ff6e42285ceb",
        "type": "chargestation.update_configuration",
        "status": "completed",
        "chargestation": STATIONS[0],
        "data": {"key": "AuthorizationKey", "value": "0123456789abcdef0123"},
        "response_data": {"status": "Accepted"},
        "createdAt": "2023-05-12T15:18:09.613Z",
        "updatedAt": "2023-05-12T15:18:10.738Z",
    }
    event_id = await emit(node, operator, "chargestation.update_configuration.accepted", STATIONS[0], action)
    await receiver.wait_for(lambda r: len(r.delivered) == 1)
    (got,) = receiver.requests
    assert got.method == "POST"
    assert got.path == "/hook"
    assert got.headers["content-type"] == "application/json"
    assert got.headers["user-agent"].startswith("Switchyard/")
    assert got.headers["webhook-id"] == event_id
    assert abs(int(got.headers["webhook-timestamp"]) - time.time()) < 60
    assert verify(hook["secret"], got.headers, got.body), "the Standard Webhooks check passes"
    assert not verify(hook["secret"], got.headers, got.body + b" "), "and fails for another body"

    envelope = json.loads(got.body)
    assert list(envelope) == ["_id", "data", "object", "type", "createdAt"]
    assert envelope["_id"] == event_id
    assert envelope["object"] == "action"
    assert envelope["type"] == "chargestation.update_configuration.accepted"
    assert RFC3339_MS.match(envelope["createdAt"]), envelope["createdAt"]
    assert envelope["data"] == {**action, "data": {"key": "AuthorizationKey", "value": "***"}}

    shown = await settled(node, event_id)
    assert shown["envelope"] == envelope
    assert shown["chargestation"] == STATIONS[0]
    (delivery,) = shown["deliveries"]
    assert delivery["webhook"] == hook["_id"]
    assert delivery["status"] == "delivered"
    assert delivery["nextAttemptAt"] is None
    (attempt,) = delivery["attempts"]
    assert attempt["statusCode"] == 200
    assert attempt["error"] is None
    assert attempt["durationMs"] >= 0
    async with node.sy.db.sessions() as session:
        stored = await session.scalar(text("SELECT payload FROM webhook_events WHERE id = :id"), {"id": event_id})
    assert stored.encode() == got.body, "the body sent is the envelope stored, byte for byte"


async def test_a_commit_wakes_the_dispatcher_at_once(tmp_path: Path, receiver: Receiver) -> None:
    async with running_node(tmp_path, **{**FAST, **key_file(tmp_path), "webhook_poll_interval": 30.0}) as node:
        await subscribe(node, receiver.url)
        operator = await operator_of(node)
        await asyncio.sleep(0.1)  # past the start's first poll
        started = time.monotonic()
        await emit(node, operator)
        await receiver.wait_for(lambda r: len(r.delivered) == 1, timeout=5)
        assert time.monotonic() - started < 2, "not left for the 30 s poll"


async def test_events_other_processes_write_are_found_by_the_poll(node: RunningNode, receiver: Receiver) -> None:
    await subscribe(node, receiver.url)
    operator = await operator_of(node)
    other = Database(node.sy.db.url)  # another process's connection: no commit hook reaches this node
    try:
        async with other.transaction() as session:
            event_id = enqueue(
                SessionOutbox(session),
                operator_id=operator,
                station_id=None,
                event_type="a.b",
                data={},
                now=node.sy.clock.now(),
            )
    finally:
        await other.close()
    await receiver.wait_for(lambda r: len(r.delivered) == 1, timeout=5)
    assert receiver.delivered[0].headers["webhook-id"] == event_id


async def test_subscriptions_get_the_events_their_patterns_match(node: RunningNode, receiver: Receiver) -> None:
    base = f"http://127.0.0.1:{receiver.port}"
    patterns = {
        "/all": None,
        "/cs": ["chargestation.*"],
        "/reset": ["chargestation.reset.*"],
        "/exact": ["chargestation.update_configuration.accepted"],
        "/two": ["site.*", "chargestation.get_configuration.failed"],
        "/none": ["operator.*"],
    }
    for path, events in patterns.items():
        await subscribe(node, base + path, **({"events": events} if events else {}))
    # Another operator's subscription to everything hears nothing of ours.
    other = await make_tenant(node, unique("Other"))
    await subscribe(node, base + "/other", key=other.admin_key)
    operator = await operator_of(node)
    types = [
        "chargestation.update_configuration.accepted",
        "chargestation.reset.requested",
        "chargestation.get_configuration.failed",
        "site.updated",
    ]
    for index, event_type in enumerate(types):
        await emit(node, operator, event_type, STATIONS[0], {"n": index})
    expected = {
        "/all": set(types),
        "/cs": set(types[:3]),
        "/reset": {types[1]},
        "/exact": {types[0]},
        "/two": {types[2], types[3]},
    }
    total = sum(len(v) for v in expected.values())
    await receiver.wait_for(lambda r: len(r.delivered) >= total)
    await asyncio.sleep(0.3)  # nothing more comes
    got: dict[str, set[str]] = {}
    for request in receiver.requests:
        got.setdefault(request.path, set()).add(request.json()["type"])
    assert got == expected
    assert len(receiver.requests) == total


async def test_events_arrive_in_order_per_station_and_stations_in_parallel(
    node: RunningNode, receiver: Receiver
) -> None:
    receiver.delay = lambda: random.uniform(0.01, 0.03)
    await subscribe(node, receiver.url)
    operator = await operator_of(node)
    sent: dict[str, list[int]] = {station: [] for station in STATIONS}
    n = 0
    for _ in range(6):
        for station in STATIONS:
            n += 1
            sent[station].append(n)
            await emit(node, operator, station_id=station, data={"n": n, "station": station})
    # Several events of one station in one transaction keep their order too.
    async with node.sy.db.transaction() as session:
        for _ in range(4):
            n += 1
            sent[STATIONS[1]].append(n)
            enqueue(
                SessionOutbox(session),
                operator_id=operator,
                station_id=STATIONS[1],
                event_type="chargestation.reset.requested",
                data={"n": n, "station": STATIONS[1]},
                now=node.sy.clock.now(),
            )
    await receiver.wait_for(lambda r: len(r.delivered) == n)
    assert _by_station(receiver.delivered) == sent
    assert len({r.headers["webhook-id"] for r in receiver.delivered}) == n
    assert receiver.max_concurrent > 1, "different stations are delivered in parallel"


async def test_a_receiver_that_is_down_gets_everything_in_order_once_it_is_back(
    node: RunningNode, receiver: Receiver
) -> None:
    await subscribe(node, receiver.url)
    operator = await operator_of(node)
    await receiver.stop()
    ids = {}
    for n, station in enumerate([STATIONS[0], STATIONS[1], STATIONS[0], STATIONS[1], STATIONS[0]], start=1):
        ids[n] = await emit(node, operator, station_id=station, data={"n": n, "station": station})

    async def attempts(event_id: str) -> list[dict[str, Any]]:
        deliveries = (await event(node, event_id))["deliveries"]
        return deliveries[0]["attempts"] if deliveries else []

    await eventually(lambda: _at_least(attempts(ids[1]), 5))
    head = await attempts(ids[1])
    assert all(
        a["statusCode"] is None and a["error"] == "connect failed: the receiver could not be reached" for a in head
    ), head
    # Back-off: the waits grow (base 0.05 s, doubling, ±20 %, capped at 0.2 s).
    moments = [datetime.fromisoformat(a["at"]) for a in head]
    gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(moments)]
    assert gaps[0] >= 0.035, gaps
    assert gaps[2] >= 0.13, gaps
    assert gaps[3] >= 0.15, gaps
    # Nothing behind a failing head is attempted: later events of station 0 wait for event 1.
    assert await attempts(ids[3]) == []
    assert await attempts(ids[5]) == []

    await receiver.start()
    await receiver.wait_for(lambda r: len(r.delivered) == 5)
    assert _by_station(receiver.delivered) == {STATIONS[0]: [1, 3, 5], STATIONS[1]: [2, 4]}
    for event_id in ids.values():
        await settled(node, event_id)


async def test_a_delivery_past_the_give_up_age_fails_and_the_station_moves_on(
    tmp_path: Path, receiver: Receiver
) -> None:
    async with running_node(tmp_path, **{**FAST, **key_file(tmp_path), "webhook_give_up_after": 0.4}) as node:
        await subscribe(node, receiver.url)
        operator = await operator_of(node)
        receiver.rule = lambda headers, body: 500 if json.loads(body)["data"]["n"] == 1 else 200
        first = await emit(node, operator, station_id=STATIONS[0], data={"n": 1})
        second = await emit(node, operator, station_id=STATIONS[0], data={"n": 2})
        failed = await settled(node, first, "failed")
        (delivery,) = failed["deliveries"]
        assert delivery["status"] == "failed"
        assert delivery["nextAttemptAt"] is None
        assert len(delivery["attempts"]) >= 3
        for attempt in delivery["attempts"]:
            assert attempt["statusCode"] == 500
            assert attempt["error"] == "HTTP 500 Internal Server Error"
        delivered = await settled(node, second)
        assert delivered["deliveries"][0]["attempts"][0]["at"] >= delivery["finishedAt"]
        assert [_n(r) for r in receiver.delivered] == [2]
        listed = expect(await node.api.get("/v1.1/webhooks/events?status=failed", headers=node.auth()), 200)
        assert [e["_id"] for e in listed] == [first]

        # Replayed once the receiver is fixed, it gets through, and the event counts as delivered.
        receiver.rule = None
        replayed = await node.api.post(f"/v1.1/webhooks/events/{first}/replay", headers=node.auth())
        assert expect(replayed, 200, "event queued for delivery again")["status"] == "pending"
        again = await settled(node, first)
        assert [d["status"] for d in again["deliveries"]] == ["failed", "delivered"]
        assert again["replays"] == 1


async def test_an_event_of_a_rolled_back_change_never_existed(node: RunningNode, receiver: Receiver) -> None:
    await subscribe(node, receiver.url)
    operator = await operator_of(node)
    written: list[str] = []

    async def failing_change() -> None:
        async with node.sy.db.transaction() as session:
            written.append(
                enqueue(
                    SessionOutbox(session),
                    operator_id=operator,
                    station_id=None,
                    event_type="a.b",
                    data={},
                    now=node.sy.clock.now(),
                )
            )
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError, match="the change failed"):
        await failing_change()
    (ghost,) = written
    marker = await emit(node, operator, "a.marker")
    await receiver.wait_for(lambda r: len(r.delivered) == 1)
    await asyncio.sleep(FAST["webhook_poll_interval"] * 2)  # a poll or two later, still nothing else
    assert [r.headers["webhook-id"] for r in receiver.requests] == [marker]
    listed = expect(await node.api.get("/v1.1/webhooks/events", headers=node.auth()), 200)
    assert [e["_id"] for e in listed] == [marker]
    expect(
        await node.api.get(f"/v1.1/webhooks/events/{ghost}", headers=node.auth()),
        404,
        f"webhook event {ghost} not found",
    )


async def _attempted(node: RunningNode, event_id: str) -> None:
    """Wait until the event's first delivery has been attempted at least once."""

    async def attempted() -> bool:
        deliveries = (await event(node, event_id))["deliveries"]
        return bool(deliveries and deliveries[0]["attempts"])

    await eventually(attempted)


async def _at_least(items: Awaitable[list[Any]], count: int) -> bool:
    return len(await items) >= count


async def test_pending_deliveries_resume_after_a_restart(tmp_path: Path, receiver: Receiver) -> None:
    async with one_database(tmp_path) as settings:
        await _resume_after_restart(tmp_path, settings, receiver)


async def _resume_after_restart(tmp_path: Path, settings: dict[str, Any], receiver: Receiver) -> None:
    async with started(tmp_path, settings) as first:
        hook = await subscribe(first, receiver.url)
        operator = await operator_of(first)
        await receiver.stop()
        ids = [await emit(first, operator, station_id=STATIONS[0], data={"n": n}) for n in range(3)]
        await _attempted(first, ids[0])
    # The node is gone, its deliveries pending in the database. The receiver comes back, then a new node.
    await receiver.start()
    async with started(tmp_path, settings):
        await receiver.wait_for(lambda r: len(r.delivered) == 3)
    assert [r.headers["webhook-id"] for r in receiver.delivered] == ids
    assert all(verify(hook["secret"], r.headers, r.body) for r in receiver.delivered)


async def test_a_node_with_another_key_cannot_sign_and_says_why(tmp_path: Path, receiver: Receiver) -> None:
    async with one_database(tmp_path) as settings:
        await _another_key(tmp_path, settings, receiver)


async def _another_key(tmp_path: Path, settings: dict[str, Any], receiver: Receiver) -> None:
    async with started(tmp_path, settings) as first:
        await subscribe(first, receiver.url)
        operator = await operator_of(first)
        key_id = first.sy.webhooks.cipher.key_id
        await receiver.stop()
    other_key = "A" * 43 + "="
    async with started(tmp_path, {**settings, "secret_key": other_key}) as second:
        sy = second.sy
        async with sy.db.transaction() as session:
            event_id = enqueue(
                SessionOutbox(session),
                operator_id=operator,
                station_id=None,
                event_type="a.b",
                data={},
                now=sy.clock.now(),
            )
        async with asyncio.timeout(10):
            while True:
                async with sy.db.sessions() as session:
                    error = await session.scalar(
                        text(
                            "SELECT a.error FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id"
                            " WHERE d.event_id = :id"
                        ),
                        {"id": event_id},
                    )
                if error:
                    break
                await asyncio.sleep(0.05)
    assert (
        error == f"cannot sign: secret encrypted with key {key_id}, but this node's key is {sy.webhooks.cipher.key_id}"
    )
    assert receiver.requests == []


async def test_a_new_secret_signs_from_then_on(node: RunningNode, receiver: Receiver) -> None:
    hook = await subscribe(node, receiver.url)
    operator = await operator_of(node)
    await emit(node, operator)
    await receiver.wait_for(lambda r: len(r.delivered) == 1)
    new = "whsec_" + "QUJD" * 8  # 24 bytes
    expect(await node.api.patch(f"/v1.1/webhooks/{hook['_id']}", json={"secret": new}, headers=node.auth()), 200)
    await emit(node, operator)
    await receiver.wait_for(lambda r: len(r.delivered) == 2)
    before, after = receiver.delivered
    assert verify(hook["secret"], before.headers, before.body)
    assert verify(new, after.headers, after.body)
    assert not verify(hook["secret"], after.headers, after.body)


async def test_deleting_a_subscription_drops_its_pending_deliveries(node: RunningNode, receiver: Receiver) -> None:
    hook = await subscribe(node, receiver.url)
    operator = await operator_of(node)
    await receiver.stop()
    ids = [await emit(node, operator, data={"n": n}) for n in range(2)]
    await _attempted(node, ids[0])
    expect(await node.api.delete(f"/v1.1/webhooks/{hook['_id']}", headers=node.auth()), 200, "webhook deleted")
    for event_id in ids:
        gone = await event(node, event_id)
        assert gone["deliveries"] == []
        assert gone["status"] == "skipped"
    await receiver.start()
    await asyncio.sleep(0.5)
    assert receiver.requests == []


async def test_a_slow_receiver_is_timed_out_and_retried(tmp_path: Path, receiver: Receiver) -> None:
    async with running_node(tmp_path, **{**FAST, **key_file(tmp_path), "webhook_timeout": 0.2}) as node:
        await subscribe(node, receiver.url)
        operator = await operator_of(node)
        delays = iter([1.0])
        receiver.delay = lambda: next(delays, 0.0)
        event_id = await emit(node, operator)
        shown = await settled(node, event_id)
        first, second = shown["deliveries"][0]["attempts"]
        assert first["statusCode"] is None
        assert first["error"] == "timed out: no answer within 0.2 s"
        assert second["statusCode"] == 200


async def test_the_same_event_to_two_subscriptions_of_different_operators_only_reaches_its_own(
    node: RunningNode, receiver: Receiver
) -> None:
    alpha = await make_tenant(node, unique("Alpha"))
    bravo = await make_tenant(node, unique("Bravo"))
    await subscribe(node, receiver.url + "/alpha", key=alpha.admin_key)
    await subscribe(node, receiver.url + "/bravo", key=bravo.admin_key)
    event_id = await emit(node, alpha.id, station_id=alpha.station["_id"])
    await receiver.wait_for(lambda r: len(r.delivered) == 1)
    await asyncio.sleep(0.3)
    assert [r.path for r in receiver.requests] == ["/hook/alpha"]
    for key in bravo.keys.values():
        expect(
            await node.api.get(f"/v1.1/webhooks/events/{event_id}", headers=bearer(key)),
            404,
            f"webhook event {event_id} not found",
        )


async def test_a_lane_left_without_a_head_is_repaired_at_start(tmp_path: Path, receiver: Receiver) -> None:
    """Heads are kept by the dispatcher alone; a lane whose head was lost (say, by a hand edit) resumes at start."""
    async with one_database(tmp_path) as settings:
        await _repair(tmp_path, settings, receiver)


async def _repair(tmp_path: Path, settings: dict[str, Any], receiver: Receiver) -> None:
    async with started(tmp_path, settings) as first:
        await subscribe(first, receiver.url)
        operator = await operator_of(first)
        await receiver.stop()
        ids = [await emit(first, operator, station_id=STATIONS[0], data={"n": n}) for n in range(2)]
        await _attempted(first, ids[0])
    database = Database(first.sy.settings.database_url)
    async with database.transaction() as session:
        await session.execute(text("UPDATE webhook_deliveries SET next_attempt_at = NULL"))
    await database.close()
    await receiver.start()
    async with started(tmp_path, settings):
        await receiver.wait_for(lambda r: len(r.delivered) == 2)
    assert [r.headers["webhook-id"] for r in receiver.delivered] == ids


async def test_deliveries_in_flight_are_bounded(tmp_path: Path, receiver: Receiver) -> None:
    async with running_node(tmp_path, **{**FAST, **key_file(tmp_path), "webhook_concurrency": 2}) as node:
        await subscribe(node, receiver.url)
        operator = await operator_of(node)
        receiver.delay = lambda: 0.05
        async with node.sy.db.transaction() as session:
            for n in range(8):
                enqueue(
                    SessionOutbox(session),
                    operator_id=operator,
                    station_id=f"{n:024x}",
                    event_type="a.b",
                    data={"n": n},
                    now=node.sy.clock.now(),
                )
        await receiver.wait_for(lambda r: len(r.delivered) == 8)
        assert receiver.max_concurrent == 2
