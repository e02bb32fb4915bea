"""The delivery queue: fan events out, find due deliveries, record attempts (ADR 0005).

A lane is one subscription and one station (`lane` is the station id, "" for events without one).
Only a lane's oldest pending delivery, its head, has `next_attempt_at` set, so the due query reads
heads alone; when a head is delivered or fails for good, the next one in its lane becomes the head.
Everything here runs in the dispatcher's one task, so heads never race. What goes where and when is
decided here; the rows are read and written through `ports.webhooks`.
"""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from switchyard.core.webhooks.patterns import matches
from switchyard.core.webhooks.sender import Outcome, RetryPolicy
from switchyard.ports.webhooks import (
    DELIVERED,
    FAILED,
    PENDING,
    SKIPPED,
    AttemptRow,
    DeliveryChange,
    DueDelivery,
    NewDelivery,
    UndispatchedEvent,
    WebhookStore,
    WebhookTx,
)


@dataclass(frozen=True, slots=True)
class Finished:
    delivery: DueDelivery
    outcome: Outcome


def event_status(deliveries: Iterable[tuple[str, int, str]]) -> str:
    """An event's status from its deliveries (subscription, id, status): the latest per subscription counts."""
    latest: dict[str, tuple[int, str]] = {}
    for subscription_id, delivery_id, status in deliveries:
        if subscription_id not in latest or delivery_id > latest[subscription_id][0]:
            latest[subscription_id] = (delivery_id, status)
    statuses = {status for _, status in latest.values()}
    if not statuses:
        return SKIPPED
    if PENDING in statuses:
        return PENDING
    return FAILED if FAILED in statuses else DELIVERED


def new_deliveries(
    events: Iterable[UndispatchedEvent],
    subscriptions: Mapping[str, Sequence[tuple[str, Sequence[str]]]],
    already: set[tuple[str, str]],
) -> list[NewDelivery]:
    """One delivery per event and subscription of its operator that matches it now (only those a replay
    names, when it names some), except where one is still pending."""
    return [
        NewDelivery(event.id, subscription_id, event.station_id or "")
        for event in events
        for subscription_id, patterns in subscriptions.get(event.operator_id, ())
        if (event.replay_to is None or subscription_id in event.replay_to)
        and matches(patterns, event.type)
        and (event.id, subscription_id) not in already
    ]


def share_out(
    heads: Iterable[DueDelivery], limit: int, per_subscription: int, room: Mapping[str, int]
) -> list[DueDelivery]:
    """Up to `limit` of `heads` (oldest due first), at most `room[s]` of subscription `s`
    (`per_subscription` of one not in `room`)."""
    taken: Counter[str] = Counter()
    due: list[DueDelivery] = []
    for head in heads:
        if len(due) == limit:
            break
        if taken[head.subscription_id] >= room.get(head.subscription_id, per_subscription):
            continue
        taken[head.subscription_id] += 1
        due.append(head)
    return due


async def refresh_event_status(tx: WebhookTx, event_ids: Sequence[str]) -> None:
    """Each event's status from its deliveries; an event without any is `skipped`."""
    if not event_ids:
        return
    found = await tx.deliveries.statuses_of(event_ids)
    # An event waiting for a replay stays pending, whatever its older deliveries did.
    await tx.events.set_statuses({event_id: event_status(found.get(event_id, ())) for event_id in event_ids})


class DeliveryQueue:
    def __init__(self, store: WebhookStore, policy: RetryPolicy) -> None:
        self._store = store
        self.policy = policy

    async def fan_out(self, now: datetime, limit: int) -> int:
        """One delivery per matching subscription for up to `limit` undispatched events; how many were read."""
        async with self._store.transaction() as tx:
            events = await tx.events.undispatched(limit)
            if not events:
                return 0
            event_ids = [event.id for event in events]
            subscriptions = await tx.subscriptions.patterns_of({event.operator_id for event in events})
            already = await tx.deliveries.pending_pairs(event_ids)
            await tx.deliveries.add(new_deliveries(events, subscriptions, already), now)
            # A replay asked meanwhile (replays moved on) leaves its event undispatched for the next round.
            await tx.events.mark_dispatched(events, now)
            await tx.deliveries.promote_new(event_ids, now)
            await refresh_event_status(tx, event_ids)
            return len(events)

    async def repair_lanes(self, now: datetime) -> None:
        """Give every lane with pending deliveries a head (run once at start: a safety net, normally a no-op)."""
        async with self._store.transaction() as tx:
            await tx.deliveries.promote_new(None, now)

    async def due(
        self, now: datetime, limit: int, busy: Sequence[int], per_subscription: int, room: Mapping[str, int]
    ) -> list[DueDelivery]:
        """Up to `limit` due lane heads not in `busy`, oldest due first, at most `room[s]` of subscription
        `s` (`per_subscription` of one not in `room`), so one subscription's many lanes cannot crowd
        the others out."""
        full = [subscription for subscription, left in room.items() if left <= 0]
        # Rows beyond a partly busy subscription's room are dropped by share_out; fetch enough to fill `limit`.
        dropped = sum(per_subscription - left for left in room.values() if left > 0)
        async with self._store.reading() as tx:
            heads = await tx.deliveries.due_heads(now, busy, full, per_subscription, limit + dropped)
        return share_out(heads, limit, per_subscription, room)

    async def next_due(self, now: datetime) -> datetime | None:
        """When the next lane head not yet due will be (None: none is waiting)."""
        async with self._store.reading() as tx:
            return await tx.deliveries.next_due(now)

    async def record(self, finished: Sequence[Finished], now: datetime) -> list[Finished]:
        """Attempts, the deliveries' new states, the next heads of finished lanes and event statuses, at once.

        Returns the deliveries that failed for good."""
        async with self._store.transaction() as tx:
            # A subscription deleted meanwhile took its deliveries with it.
            alive = await tx.deliveries.existing([item.delivery.id for item in finished])
            kept = [item for item in finished if item.delivery.id in alive]
            if not kept:
                return []
            changes = [self._change(item, now) for item in kept]
            await tx.deliveries.record([_attempt(item) for item in kept], changes)
            finals = [item.delivery for item, change in zip(kept, changes, strict=True) if change.status != PENDING]
            if finals:
                await tx.deliveries.promote_next({(d.subscription_id, d.lane) for d in finals}, now)
                await refresh_event_status(tx, sorted({d.event_id for d in finals}))
            return [item for item, change in zip(kept, changes, strict=True) if change.status == FAILED]

    def _change(self, item: Finished, now: datetime) -> DeliveryChange:
        delivery, outcome = item.delivery, item.outcome
        retry_at = None if outcome.ok else self.policy.next_attempt(delivery.created_at, delivery.attempts + 1, now)
        status = DELIVERED if outcome.ok else (PENDING if retry_at is not None else FAILED)
        return DeliveryChange(
            id=delivery.id,
            status=status,
            next_attempt_at=retry_at,
            last_attempt_at=outcome.at,
            last_status_code=outcome.status_code,
            last_error=outcome.error,
            finished_at=None if status == PENDING else now,
        )


def _attempt(item: Finished) -> AttemptRow:
    outcome = item.outcome
    return AttemptRow(item.delivery.id, outcome.at, outcome.status_code, outcome.error, outcome.duration_ms)
