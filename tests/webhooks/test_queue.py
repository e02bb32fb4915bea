"""The due query on its own (SQLite, and PostgreSQL with SWITCHYARD_TEST_POSTGRES): lane heads, oldest
first, at most each subscription's room, so one subscription's many lanes cannot crowd out the rest."""

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from switchyard.ports.webhooks import DueDelivery
from tests.support import RunningNode, running_node
from tests.webhooks.conftest import FAST, key_file
from tests.webhooks.helpers import emit, operator_of, subscribe


@pytest.fixture
async def idle(tmp_path: Path) -> AsyncIterator[RunningNode]:
    """A node whose dispatcher is stopped: the test drives its queue by hand."""
    async with running_node(tmp_path, **FAST, **key_file(tmp_path)) as node:
        await node.sy.webhooks.stop()
        yield node


def _lanes(due: list[DueDelivery], names: dict[str, str]) -> list[tuple[str, str]]:
    return [(names[d.subscription_id], d.lane[-1]) for d in due]


async def test_due_heads_are_shared_out_per_subscription(idle: RunningNode) -> None:
    operator = await operator_of(idle)
    names = {}
    for name in ("a", "b", "c"):
        hook = await subscribe(idle, f"http://127.0.0.1:9/{name}", events=[f"{name}.*"])
        names[hook["_id"]] = name
    by_name = {name: hook_id for hook_id, name in names.items()}
    # a: six stations (lanes), two events each; b: three stations; c: one.
    for round_ in range(2):
        for name, stations in (("a", 6), ("b", 3), ("c", 1)):
            for n in range(stations):
                await emit(idle, operator, f"{name}.x", f"{name * 23}{n}", {"round": round_})
    queue, now = idle.sy.webhooks.queue, idle.sy.clock.now()
    await queue.fan_out(now, 500)

    # Only lane heads (each station's first event), at most two per subscription, oldest first.
    due = await queue.due(now, 10, [], 2, {})
    assert _lanes(due, names) == [("a", "0"), ("a", "1"), ("b", "0"), ("b", "1"), ("c", "0")]
    assert [json.loads(d.payload)["data"]["round"] for d in due] == [0] * 5, "each lane's first event"

    # a's two are in flight and fill its room: a is left out, the others get theirs.
    busy = [d.id for d in due if names[d.subscription_id] == "a"]
    assert _lanes(await queue.due(now, 10, busy, 2, {by_name["a"]: 0}), names) == [
        ("b", "0"),
        ("b", "1"),
        ("c", "0"),
    ]
    # One of a's is in flight: a may start one more, its next lane.
    assert _lanes(await queue.due(now, 10, busy[:1], 2, {by_name["a"]: 1}), names) == [
        ("a", "1"),
        ("b", "0"),
        ("b", "1"),
        ("c", "0"),
    ]
    # The limit takes the oldest.
    assert _lanes(await queue.due(now, 3, [], 2, {}), names) == [("a", "0"), ("a", "1"), ("b", "0")]
    # Room for more than two is still capped by per_subscription.
    assert len([d for d in await queue.due(now, 20, [], 4, {}) if names[d.subscription_id] == "a"]) == 4


async def test_the_next_due_time_is_the_earliest_head_not_yet_due(idle: RunningNode) -> None:
    operator = await operator_of(idle)
    await subscribe(idle, "http://127.0.0.1:9/x")
    await emit(idle, operator)
    queue, now = idle.sy.webhooks.queue, idle.sy.clock.now()
    await queue.fan_out(now, 500)
    assert await queue.next_due(now) is None, "the head is due now, not later"
    (head,) = await queue.due(now, 10, [], 4, {})
    assert await queue.next_due(now.replace(year=now.year - 1)) == now
    assert head.attempts == 0
