"""The retention store's contract (`ports.retention`): what the retention job may rely on, on every
database Switchyard runs on. How many message-log rows are left is read through the port too: trimming
to zero rows deletes, and counts, what there was."""

from datetime import UTC, datetime, timedelta

import pytest

from switchyard.ports.outbox import OutboxEvent
from switchyard.ports.retention import LogGrowth, RetentionStore
from switchyard.ports.webhooks import DELIVERED, AttemptRow, NewDelivery, SubscriptionRecord
from switchyard.store.configuration_store import DatabaseConfigurationStore
from switchyard.store.database import Database
from switchyard.store.group_commit import GroupCommit
from switchyard.store.retention_rows import DatabaseRetentionStore
from switchyard.store.webhook_store import DatabaseWebhookStore
from tests.store.rows import add_messages, add_operator_with_stations

OPERATOR = "o" * 24
A, B = "a" * 24, "b" * 24
T0 = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
def store(database: Database) -> RetentionStore:
    return DatabaseRetentionStore(database)


async def test_messages_older_than_the_cutoff_are_deleted(database: Database, store: RetentionStore) -> None:
    await add_messages(database, [(A, T0 - 2 * DAY), (None, T0 - 2 * DAY), (A, T0 - DAY), (B, T0)])
    assert await store.delete_messages_before(T0 - DAY) == 2
    assert await store.delete_messages_before(T0 - DAY) == 0
    assert await store.trim_messages(0) == 2, "the row at the cutoff and the newer one are left"


async def test_growth_names_the_stations_that_logged_after_a_row(database: Database, store: RetentionStore) -> None:
    assert await store.message_log_growth(0) is None
    await add_messages(database, [(A, T0), (None, T0)])
    first = await store.message_log_growth(0)
    assert first is not None
    assert sorted(first.stations, key=str) == [None, A]
    await add_messages(database, [(B, T0), (B, T0)])
    grown = await store.message_log_growth(first.newest)
    assert grown is not None
    assert (grown.stations, grown.newest > first.newest) == ([B], True)
    unchanged = await store.message_log_growth(grown.newest)
    assert unchanged == LogGrowth(grown.newest, [])


async def test_trimming_keeps_the_newest_rows_of_a_station_and_of_the_log(
    database: Database, store: RetentionStore
) -> None:
    await add_messages(database, [(A, T0)] * 5 + [(None, T0)] * 3 + [(B, T0)] * 2)
    assert await store.trim_station_messages(A, 2) == 3
    assert await store.trim_station_messages(A, 2) == 0
    assert await store.trim_station_messages(None, 1) == 2, "frames of no known station are a budget of their own"
    assert await store.trim_messages(3) == 2, "of 5 rows left, the 2 oldest go"
    assert await store.trim_station_messages(B, 0) == 2, "the newest rows stayed"
    assert await store.trim_messages(0) == 1


async def test_finished_events_past_the_cutoff_go_with_their_deliveries(
    database: Database, store: RetentionStore
) -> None:
    await add_operator_with_stations(database, OPERATOR, [(A, "CP-A")])
    outbox, webhooks = DatabaseConfigurationStore(database, GroupCommit(database)), DatabaseWebhookStore(database)
    old, pending, recent = "1" * 24, "2" * 24, "3" * 24
    subscription = SubscriptionRecord("s" * 24, OPERATOR, "https://example.com", ["*"], None, "v1.x", T0, T0)
    async with outbox.transaction() as tx:
        for event_id, at in ((old, T0 - 2 * DAY), (pending, T0 - 2 * DAY), (recent, T0)):
            tx.outbox.add(OutboxEvent(event_id, OPERATOR, A, "a.x", "{}", at))
    async with webhooks.transaction() as tx:
        await tx.subscriptions.add(subscription)
        await tx.deliveries.add([NewDelivery(old, subscription.id, A)], T0)
        await tx.events.mark_dispatched(await tx.events.undispatched(10), T0)
        (delivery,) = await tx.deliveries.of_event(old)
        await tx.deliveries.record([AttemptRow(delivery.delivery.id, T0, 204, None, 3)], [])
        await tx.events.set_statuses({old: DELIVERED, recent: DELIVERED})

    assert await store.delete_finished_events_before(T0 - DAY) == 1
    async with webhooks.reading() as tx:
        assert await tx.events.get(old) is None
        assert await tx.events.get(pending) is not None, "an event still being delivered is kept, however old"
        assert await tx.events.get(recent) is not None
        assert await tx.deliveries.existing([delivery.delivery.id]) == set()
