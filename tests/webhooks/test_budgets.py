"""A slow receiver delays only itself: each subscription has its own share of the POSTs in flight."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from switchyard.core.webhooks.outbox import enqueue
from switchyard.core.webhooks.slots import DeliverySlots
from switchyard.store.outbox import SessionOutbox
from tests.support import RunningNode, running_node
from tests.webhooks.conftest import FAST, key_file
from tests.webhooks.helpers import operator_of, subscribe
from tests.webhooks.receiver import Receiver

# Requests hang until the test lets them go: no attempt may time out meanwhile.
PATIENT = {"webhook_timeout": 60.0}


@asynccontextmanager
async def _receivers(count: int) -> AsyncIterator[list[Receiver]]:
    receivers = [Receiver() for _ in range(count)]
    for receiver in receivers:
        await receiver.start()
    try:
        yield receivers
    finally:
        for receiver in receivers:
            if receiver.hold is not None:
                receiver.hold.set()  # nothing left hanging past the test
            await receiver.stop()


async def _emit_to_stations(node: RunningNode, operator: str, stations: int, prefix: str) -> None:
    """One event for each of `stations` stations, in one transaction: that many lanes, all due at once."""
    async with node.sy.db.transaction() as session:
        for n in range(stations):
            enqueue(
                SessionOutbox(session),
                operator_id=operator,
                station_id=f"{prefix}{n:022x}",
                event_type="chargestation.reset.requested",
                data={"n": n},
                now=node.sy.clock.now(),
            )


@asynccontextmanager
async def _node(tmp_path: Path, **settings: Any) -> AsyncIterator[RunningNode]:
    async with running_node(tmp_path, **{**FAST, **key_file(tmp_path), **PATIENT, **settings}) as node:
        yield node


async def test_a_hanging_receiver_does_not_delay_a_healthy_one(tmp_path: Path) -> None:
    """Regression: one pool of `webhook_concurrency` slots for everyone, filled with the earliest due lane
    heads. A receiver that hangs, with more lanes than slots, took every slot, and a healthy receiver's
    events waited (p50 latency 0.18 s became 10.6 s). Now it holds its own budget and no more."""
    settings = {"webhook_concurrency": 8, "webhook_concurrency_per_subscription": 2}
    async with _node(tmp_path, **settings) as node, _receivers(2) as (slow, healthy):
        slow.hold = asyncio.Event()
        operator = await operator_of(node)
        await subscribe(node, slow.url, events=["chargestation.*"])
        await subscribe(node, healthy.url, events=["site.*"])
        await _emit_to_stations(node, operator, 12, "a")  # 12 lanes to the slow receiver
        await slow.wait_for(lambda r: r.concurrent >= 2)
        async with node.sy.db.transaction() as session:
            for n in range(5):
                enqueue(
                    SessionOutbox(session),
                    operator_id=operator,
                    station_id=None,
                    event_type="site.updated",
                    data={"n": n},
                    now=node.sy.clock.now(),
                )
        await healthy.wait_for(lambda r: len(r.delivered) == 5)
        assert [r.json()["data"]["n"] for r in healthy.delivered] == [0, 1, 2, 3, 4]
        assert slow.requests == [], "the slow receiver has answered nothing yet"
        assert slow.concurrent == 2
        slow.hold.set()
        await slow.wait_for(lambda r: len(r.delivered) == 12)
        assert slow.max_concurrent == 2


async def test_a_retry_starts_when_due_while_another_subscription_fills_its_slots(tmp_path: Path) -> None:
    """Regression: the first retry, due after 5 s, came 7-14 s late. With every slot taken by a slow
    subscription the dispatcher did not even look for due retries; it waited for a POST to finish.
    Here nothing finishes and the poll is 30 s away: only the retry's own due time can start it."""
    settings = {"webhook_concurrency": 4, "webhook_concurrency_per_subscription": 2, "webhook_poll_interval": 30.0}
    async with _node(tmp_path, **settings) as node, _receivers(2) as (slow, flaky):
        operator = await operator_of(node)
        await subscribe(node, slow.url, events=["chargestation.*"])
        await subscribe(node, flaky.url, events=["site.*"])
        # The flaky receiver's first attempt hangs, then fails; its retry comes 50-200 ms later.
        flaky.hold = asyncio.Event()
        answers = iter([503])
        flaky.rule = lambda headers, body: next(answers, 200)
        async with node.sy.db.transaction() as session:
            enqueue(
                SessionOutbox(session),
                operator_id=operator,
                station_id=None,
                event_type="site.updated",
                data={},
                now=node.sy.clock.now(),
            )
        await flaky.wait_for(lambda r: r.concurrent == 1)
        slow.hold = asyncio.Event()
        await _emit_to_stations(node, operator, 10, "b")
        await slow.wait_for(lambda r: r.concurrent >= 2)
        flaky.hold.set()
        await flaky.wait_for(lambda r: len(r.delivered) == 1)
        assert [r.status for r in flaky.requests] == [503, 200]
        assert slow.requests == []
        assert slow.concurrent == 2


def test_slots_per_subscription_within_the_total() -> None:
    slots = DeliverySlots(total=5, per_subscription=2)
    assert (slots.free(), slots.room()) == (5, {})
    for subscription in ("a", "a", "b"):
        slots.started(subscription)
    assert (slots.free(), slots.room()) == (2, {"a": 0, "b": 1})
    slots.finished("a", timed_out=False)
    assert (slots.free(), slots.room()) == (3, {"a": 1, "b": 1})
    assert DeliverySlots(total=3, per_subscription=10).per_subscription == 3


def test_a_subscription_that_times_out_gets_one_slot_until_it_answers() -> None:
    slots = DeliverySlots(total=10, per_subscription=4)
    for _ in range(4):
        slots.started("slow")
    slots.finished("slow", timed_out=True)
    assert slots.room() == {"slow": 0}, "three still in flight, and one is all it may have"
    for _ in range(3):
        slots.finished("slow", timed_out=True)
    assert slots.room() == {"slow": 1}
    slots.started("slow")
    slots.finished("slow", timed_out=False)
    assert slots.room() == {}, "an answer gives the budget back"
    assert slots.budget("slow") == 4
