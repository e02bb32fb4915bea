"""Webhook events of the caller's operator: listed and read with `read`, replayed with `admin`.

A replay re-queues an event: the dispatcher fans it out again, to the subscriptions that match it
now (or to the one named), behind whatever is already pending in each station's lane.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace

from switchyard.core.principal import Principal
from switchyard.core.webhooks.patterns import ALL, matches, pattern_problem
from switchyard.core.webhooks.subscriptions import own_subscription
from switchyard.domain import Scope
from switchyard.errors import Conflict, InvalidInput, NotFound
from switchyard.ids import is_id
from switchyard.ports.webhooks import (
    DELIVERED,
    FAILED,
    PENDING,
    SKIPPED,
    DeliveryRecord,
    EventRow,
    EventRows,
    WebhookStore,
    WebhookTx,
)

EVENT_STATUSES = (PENDING, DELIVERED, FAILED, SKIPPED)


@dataclass(frozen=True, slots=True)
class EventRecord:
    event: EventRow
    deliveries: list[DeliveryRecord]


class EventLog:
    def __init__(self, store: WebhookStore, notify: Callable[[], None]) -> None:
        self._store = store
        self._notify = notify

    async def list_for(
        self,
        who: Principal,
        type: str | None = None,
        station_id: str | None = None,
        status: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[EventRow]:
        """Newest first; `type` is an event type or a pattern like `chargestation.*`."""
        who.require(Scope.READ)
        exact = prefix = None
        if type is not None and type != ALL:
            problem = pattern_problem(type)
            if problem is not None:
                raise InvalidInput(f"type: {problem}")
            if type.endswith(".*"):
                prefix = type[:-1]
            else:
                exact = type
        if status is not None and status not in EVENT_STATUSES:
            raise InvalidInput(f"status: must be one of {', '.join(EVENT_STATUSES)}; got {status!r}")
        async with self._store.reading() as tx:
            return await tx.events.newest(
                who.operator_id,
                type=exact,
                type_prefix=prefix,
                station_id=station_id,
                status=status,
                limit=limit,
                offset=offset,
            )

    async def get(self, who: Principal, event_id: str) -> EventRecord:
        who.require(Scope.READ)
        async with self._store.reading() as tx:
            event = await _own_event(tx.events, who, event_id)
            return EventRecord(event, await tx.deliveries.of_event(event.id))

    async def replay(self, who: Principal, event_id: str, subscription_id: str | None = None) -> EventRecord:
        who.require(Scope.ADMIN)
        async with self._store.transaction() as tx:
            event = await _own_event(tx.events, who, event_id)
            if subscription_id is not None:
                subscription = await own_subscription(tx.subscriptions, who, subscription_id)
                if not matches(subscription.events, event.type):
                    raise InvalidInput(f"webhook {subscription.id} does not subscribe to {event.type}")
                targets: list[str] | None = [subscription.id]
            else:
                await _some_subscriber(tx, event)
                targets = None
            if event.dispatched_at is None:
                # Still waiting for the dispatcher (a first dispatch or another replay): widen it.
                waiting = event.replay_to
                replay_to = None if waiting is None or targets is None else sorted({*waiting, *targets})
            else:
                replay_to = targets
            event = replace(event, replay_to=replay_to, dispatched_at=None, replays=event.replays + 1, status=PENDING)
            await tx.events.replay(event.id, event.replay_to, event.replays)
            record = EventRecord(event, await tx.deliveries.of_event(event.id))
        self._notify()
        return record


async def _own_event(rows: EventRows, who: Principal, event_id: str) -> EventRow:
    found = await rows.get(event_id) if is_id(event_id) else None
    if found is None or found.operator_id != who.operator_id:
        raise NotFound(f"webhook event {event_id} not found")
    return found


async def _some_subscriber(tx: WebhookTx, event: EventRow) -> None:
    subscriptions = (await tx.subscriptions.patterns_of([event.operator_id])).get(event.operator_id, [])
    if not any(matches(patterns, event.type) for _, patterns in subscriptions):
        raise Conflict(f"no webhook subscribes to {event.type}; nothing to replay to")
