"""The webhook store's contract (`ports.webhooks`), through the port only: what the dispatcher, the
subscriptions and the event log may rely on, on every database Switchyard runs on. Events come in
the way services write them, through the outbox port."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from switchyard.ports.configuration import ConfigurationStore
from switchyard.ports.outbox import OutboxEvent
from switchyard.ports.webhooks import (
    DELIVERED,
    FAILED,
    PENDING,
    AttemptRow,
    DeliveryChange,
    NewDelivery,
    SubscriptionRecord,
    WebhookStore,
    WebhookTx,
)
from switchyard.store.configuration_store import DatabaseConfigurationStore
from switchyard.store.database import Database
from switchyard.store.group_commit import GroupCommit
from switchyard.store.webhook_store import DatabaseWebhookStore
from tests.store.rows import add_operator_with_stations

OPERATOR, OTHER = "o" * 24, "p" * 24
A, B, C = "a" * 24, "b" * 24, "c" * 24
T0 = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
LATER = T0 + timedelta(minutes=1)


def ids(n: int) -> str:
    return f"{n:024d}"


def hook(n: int, operator: str = OPERATOR, *, at: datetime = T0, events: list[str] | None = None) -> SubscriptionRecord:
    return SubscriptionRecord(
        id=f"s{n:023d}",
        operator_id=operator,
        url=f"https://example.com/{n}",
        events=events or ["*"],
        description=None,
        secret_ciphertext=f"v1.cipher.{n}",
        created_at=at,
        updated_at=at,
    )


@pytest.fixture
async def database_with_operators(database: Database) -> Database:
    await add_operator_with_stations(database, OPERATOR, [(A, "CP-A"), (B, "CP-B")])
    await add_operator_with_stations(database, OTHER, [(C, "CP-C")], name="other")
    return database


@pytest.fixture
def store(database_with_operators: Database) -> WebhookStore:
    return DatabaseWebhookStore(database_with_operators)


@pytest.fixture
def outbox(database_with_operators: Database) -> ConfigurationStore:
    """Where events come from: a service's transaction with its outbox."""
    return DatabaseConfigurationStore(database_with_operators, GroupCommit(database_with_operators))


async def write_events(outbox: ConfigurationStore, *events: tuple[int, str, str | None, str]) -> None:
    """Events (n, operator, station, type), in this order, with payload `{"n": n}`."""
    async with outbox.transaction() as tx:
        for n, operator, station, type in events:
            tx.outbox.add(OutboxEvent(ids(n), operator, station, type, f'{{"n": {n}}}', T0))


async def fan_out(store: WebhookStore, *deliveries: tuple[int, str, str], now: datetime = T0) -> None:
    """What the dispatcher does with every undispatched event: these deliveries (event n, subscription,
    lane), the events marked dispatched, the new ones promoted."""
    async with store.transaction() as tx:
        events = await tx.events.undispatched(100)
        await tx.deliveries.add([NewDelivery(ids(n), s, lane) for n, s, lane in deliveries], now)
        await tx.events.mark_dispatched(events, now)
        await tx.deliveries.promote_new([e.id for e in events], now)


# -- subscriptions ------------------------------------------------------------------------------


async def test_subscriptions_read_back_oldest_first_and_per_operator(store: WebhookStore) -> None:
    first, second = hook(2, at=T0), hook(1, at=T0 + timedelta(seconds=1))
    same_instant = hook(3, at=T0)
    async with store.transaction() as tx:
        for subscription in (second, first, same_instant, hook(4, OTHER, events=["a.*"])):
            await tx.subscriptions.add(subscription)
    async with store.reading() as tx:
        assert await tx.subscriptions.get(first.id) == first
        assert await tx.subscriptions.get(ids(9)) is None
        assert [s.id for s in await tx.subscriptions.of_operator(OPERATOR)] == [first.id, same_instant.id, second.id]
        assert await tx.subscriptions.of_operator(ids(9)) == []
        assert await tx.subscriptions.patterns_of([OPERATOR, OTHER, ids(9)]) == {
            OPERATOR: [(first.id, ["*"]), (same_instant.id, ["*"]), (second.id, ["*"])],
            OTHER: [(hook(4).id, ["a.*"])],
        }


async def test_a_subscription_update_sets_only_the_fields_named(store: WebhookStore) -> None:
    async with store.transaction() as tx:
        await tx.subscriptions.add(replace(hook(1), description="kept"))
        await tx.subscriptions.update(hook(1).id, {"events": ["a.b", "c.*"], "updated_at": LATER})
    async with store.reading() as tx:
        assert await tx.subscriptions.get(hook(1).id) == replace(
            hook(1), description="kept", events=["a.b", "c.*"], updated_at=LATER
        )


async def test_deleting_a_subscription_takes_its_deliveries_and_names_their_events(
    store: WebhookStore, outbox: ConfigurationStore
) -> None:
    kept, gone = hook(1), hook(2)
    async with store.transaction() as tx:
        await tx.subscriptions.add(kept)
        await tx.subscriptions.add(gone)
    await write_events(outbox, (1, OPERATOR, A, "a.x"), (2, OPERATOR, A, "a.x"), (3, OPERATOR, None, "a.x"))
    await fan_out(store, (1, kept.id, A), (1, gone.id, A), (2, gone.id, A), (3, kept.id, ""))
    async with store.transaction() as tx:
        (head,) = [d for d in await tx.deliveries.of_event(ids(1)) if d.delivery.subscription_id == gone.id]
        await tx.deliveries.record([AttemptRow(head.delivery.id, T0, 500, None, 5)], [])
        assert sorted(await tx.subscriptions.delete(gone.id)) == [ids(1), ids(2)]
    async with store.reading() as tx:
        assert await tx.subscriptions.get(gone.id) is None
        assert [d.delivery.subscription_id for d in await tx.deliveries.of_event(ids(1))] == [kept.id]
        assert await tx.deliveries.of_event(ids(2)) == []
        assert await tx.deliveries.existing([head.delivery.id]) == set()


# -- events -------------------------------------------------------------------------------------


async def test_events_are_listed_newest_first_filtered_and_never_another_operators(
    store: WebhookStore, outbox: ConfigurationStore
) -> None:
    await write_events(
        outbox,
        (1, OPERATOR, A, "chargestation.update_configuration.requested"),
        (2, OPERATOR, B, "chargestation.reset.requested"),
        (3, OPERATOR, None, "chargestationx.other"),
        (4, OTHER, C, "chargestation.reset.requested"),
        (5, OPERATOR, A, "charge_station.literal"),
    )
    await fan_out(store)
    async with store.transaction() as tx:
        await tx.events.set_statuses({ids(2): DELIVERED})
    async with store.reading() as tx:
        newest = tx.events.newest
        assert [e.id for e in await newest(OPERATOR)] == [ids(5), ids(3), ids(2), ids(1)]
        assert [e.id for e in await newest(OPERATOR, type="chargestation.reset.requested")] == [ids(2)]
        assert [e.id for e in await newest(OPERATOR, type_prefix="chargestation.")] == [ids(2), ids(1)]
        # `_` is a LIKE wildcard; the prefix is taken literally.
        assert [e.id for e in await newest(OPERATOR, type_prefix="charge_")] == [ids(5)]
        assert [e.id for e in await newest(OPERATOR, station_id=A)] == [ids(5), ids(1)]
        assert [e.id for e in await newest(OPERATOR, status=DELIVERED)] == [ids(2)]
        assert [e.id for e in await newest(OPERATOR, limit=2, offset=1)] == [ids(3), ids(2)]
        event = await tx.events.get(ids(1))
        assert await tx.events.get(ids(9)) is None
    assert event is not None
    assert (event.operator_id, event.station_id) == (OPERATOR, A)
    assert event.type == "chargestation.update_configuration.requested"
    assert (event.payload, event.status, event.created_at, event.dispatched_at) == ('{"n": 1}', PENDING, T0, T0)
    assert (event.replay_to, event.replays) == (None, 0)


async def test_undispatched_events_come_in_outbox_order_and_a_replay_meanwhile_waits(
    store: WebhookStore, outbox: ConfigurationStore
) -> None:
    await write_events(outbox, (3, OPERATOR, A, "a.x"), (1, OPERATOR, B, "a.y"), (2, OTHER, C, "a.z"))
    async with store.transaction() as tx:
        assert [e.id for e in await tx.events.undispatched(2)] == [ids(3), ids(1)]
        waiting = await tx.events.undispatched(10)
        assert [(e.operator_id, e.station_id, e.type, e.replay_to, e.replays) for e in waiting] == [
            (OPERATOR, A, "a.x", None, 0),
            (OPERATOR, B, "a.y", None, 0),
            (OTHER, C, "a.z", None, 0),
        ]
        # Event 1 is replayed after fan-out read it: its old read is stale.
        await tx.events.replay(ids(1), [hook(1).id], 1)
        await tx.events.mark_dispatched(waiting, LATER)
        (still,) = await tx.events.undispatched(10)
    assert (still.id, still.replay_to, still.replays) == (ids(1), [hook(1).id], 1)
    async with store.reading() as tx:
        dispatched = await tx.events.get(ids(3))
    assert dispatched is not None
    assert (dispatched.dispatched_at, dispatched.replay_to) == (LATER, None)


async def test_a_replay_queues_the_event_again(store: WebhookStore, outbox: ConfigurationStore) -> None:
    await write_events(outbox, (1, OPERATOR, A, "a.x"))
    await fan_out(store)
    async with store.transaction() as tx:
        await tx.events.set_statuses({ids(1): FAILED})
        await tx.events.replay(ids(1), None, 3)
    async with store.reading() as tx:
        event = await tx.events.get(ids(1))
        assert [e.id for e in await tx.events.undispatched(10)] == [ids(1)]
    assert event is not None
    assert (event.status, event.dispatched_at, event.replay_to, event.replays) == (PENDING, None, None, 3)


async def test_statuses_are_set_only_on_dispatched_events(store: WebhookStore, outbox: ConfigurationStore) -> None:
    await write_events(outbox, (1, OPERATOR, A, "a.x"))
    await fan_out(store)
    await write_events(outbox, (2, OPERATOR, A, "a.x"))
    async with store.transaction() as tx:
        await tx.events.set_statuses({ids(1): DELIVERED, ids(2): DELIVERED})
        await tx.events.set_statuses({})
    async with store.reading() as tx:
        assert [(e.id, e.status) for e in await tx.events.newest(OPERATOR)] == [(ids(2), PENDING), (ids(1), DELIVERED)]


# -- deliveries ---------------------------------------------------------------------------------


async def test_new_deliveries_are_pending_and_only_the_oldest_of_a_lane_is_its_head(
    store: WebhookStore, outbox: ConfigurationStore
) -> None:
    s, t = hook(1).id, hook(2).id
    async with store.transaction() as tx:
        await tx.subscriptions.add(hook(1))
        await tx.subscriptions.add(hook(2))
    await write_events(outbox, (1, OPERATOR, A, "a.x"), (2, OPERATOR, A, "a.x"), (3, OPERATOR, B, "a.x"))
    async with store.transaction() as tx:
        await tx.deliveries.add([NewDelivery(ids(1), s, A), NewDelivery(ids(2), s, A), NewDelivery(ids(2), t, A)], T0)
        await tx.deliveries.add([], T0)
        assert await tx.deliveries.pending_pairs([ids(1), ids(2), ids(3)]) == {(ids(1), s), (ids(2), s), (ids(2), t)}
        (fresh,) = await tx.deliveries.of_event(ids(1))
        assert (fresh.delivery.status, fresh.delivery.attempts, fresh.delivery.next_attempt_at) == (PENDING, 0, None)
        assert (fresh.delivery.created_at, fresh.delivery.lane, fresh.attempts) == (T0, A, [])
        # Scoped to event 2: its delivery to t heads t's lane; to s, event 1's delivery is older.
        await tx.deliveries.promote_new([ids(2)], LATER)
        assert await heads(tx, ids(1), ids(2)) == {(ids(2), t): LATER}
        await tx.deliveries.add([NewDelivery(ids(3), s, B)], T0)
        await tx.deliveries.promote_new(None, LATER)
        assert await heads(tx, ids(1), ids(2), ids(3)) == {(ids(1), s): LATER, (ids(2), t): LATER, (ids(3), s): LATER}


async def heads(tx: WebhookTx, *event_ids: str) -> dict[tuple[str, str], datetime]:
    """(event, subscription) -> due time of the heads among these events' deliveries."""
    found = {}
    for event_id in event_ids:
        for record in await tx.deliveries.of_event(event_id):
            if record.delivery.next_attempt_at is not None:
                found[(event_id, record.delivery.subscription_id)] = record.delivery.next_attempt_at
    return found


async def test_attempts_are_recorded_and_the_next_delivery_of_a_lane_becomes_its_head(
    store: WebhookStore, outbox: ConfigurationStore
) -> None:
    s = hook(1).id
    async with store.transaction() as tx:
        await tx.subscriptions.add(hook(1))
    await write_events(outbox, (1, OPERATOR, A, "a.x"), (2, OPERATOR, A, "a.x"))
    await fan_out(store, (1, s, A), (2, s, A))
    async with store.transaction() as tx:
        (first,) = [r.delivery for r in await tx.deliveries.of_event(ids(1))]
        failed = DeliveryChange(first.id, PENDING, LATER, T0, 500, None, None)
        await tx.deliveries.record([AttemptRow(first.id, T0, 500, None, 12)], [failed])
        done = DeliveryChange(first.id, DELIVERED, None, LATER, 204, None, LATER)
        await tx.deliveries.record([AttemptRow(first.id, LATER, None, "timed out", 2000)], [done])
        assert await tx.deliveries.existing([first.id, -1]) == {first.id}
        await tx.deliveries.promote_next([(s, A), (s, "no such lane")], LATER)
        await tx.deliveries.promote_next([], LATER)
    async with store.reading() as tx:
        (record,) = await tx.deliveries.of_event(ids(1))
        (second,) = await tx.deliveries.of_event(ids(2))
        assert await heads(tx, ids(2)) == {(ids(2), s): LATER}
        assert await tx.deliveries.statuses_of([ids(1), ids(2), ids(9)]) == {
            ids(1): [(s, first.id, DELIVERED)],
            ids(2): [(s, second.delivery.id, PENDING)],
        }
    stored = record.delivery
    assert (stored.status, stored.attempts, stored.next_attempt_at, stored.finished_at) == (DELIVERED, 2, None, LATER)
    assert (stored.last_attempt_at, stored.last_status_code, stored.last_error) == (LATER, 204, None)
    assert record.attempts == [
        AttemptRow(first.id, T0, 500, None, 12),
        AttemptRow(first.id, LATER, None, "timed out", 2000),
    ]


async def test_statuses_of_more_events_than_one_statement_takes_are_read(
    store: WebhookStore, outbox: ConfigurationStore
) -> None:
    async with store.transaction() as tx:
        await tx.subscriptions.add(hook(1))
    await write_events(outbox, (1, OPERATOR, A, "a.x"))
    await fan_out(store, (1, hook(1).id, A))
    many = [ids(n) for n in range(2, 1300)] + [ids(1)]
    async with store.reading() as tx:
        assert list(await tx.deliveries.statuses_of(many)) == [ids(1)]


async def test_due_heads_are_the_oldest_due_per_subscription(store: WebhookStore, outbox: ConfigurationStore) -> None:
    s, t = hook(1, events=["a.*"]), hook(2, events=["b.*"])
    async with store.transaction() as tx:
        await tx.subscriptions.add(s)
        await tx.subscriptions.add(t)
    await write_events(
        outbox, (1, OPERATOR, A, "a.x"), (2, OPERATOR, B, "a.x"), (3, OPERATOR, None, "a.x"), (4, OPERATOR, A, "b.x")
    )
    await fan_out(store, (1, s.id, A), (2, s.id, B), (3, s.id, ""), (4, t.id, A), now=T0)
    async with store.reading() as tx:

        async def due(busy: list[int], skip: list[str], per_subscription: int, limit: int) -> list[str]:
            return [d.event_id for d in await tx.deliveries.due_heads(T0, busy, skip, per_subscription, limit)]

        all_due = await tx.deliveries.due_heads(T0, [], [], 10, 10)
        assert [d.subscription_id for d in all_due] == [s.id, s.id, s.id, t.id]
        assert [d.event_id for d in all_due] == [ids(1), ids(2), ids(3), ids(4)]
        first = all_due[0]
        assert (first.lane, first.created_at, first.attempts) == (A, T0, 0)
        assert (first.url, first.secret_ciphertext, first.payload) == (s.url, s.secret_ciphertext, '{"n": 1}')
        assert await due([], [], 2, 10) == [ids(1), ids(2), ids(4)], "two of s, the oldest"
        assert await due([first.id], [], 2, 10) == [ids(2), ids(3), ids(4)], "a busy head is left out"
        assert await due([], [s.id], 2, 10) == [ids(4)]
        assert await due([], [], 10, 2) == [ids(1), ids(2)]
        assert await tx.deliveries.due_heads(T0 - timedelta(seconds=1), [], [], 10, 10) == []
        assert await tx.deliveries.next_due(T0) is None
        assert await tx.deliveries.next_due(T0 - timedelta(seconds=1)) == T0
