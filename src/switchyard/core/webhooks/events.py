"""Webhook events of the caller's operator: listed and read with `read`, replayed with `admin`.

A replay re-queues an event: the dispatcher fans it out again, to the subscriptions that match it
now (or to the one named), behind whatever is already pending in each station's lane.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from switchyard.core.principal import Principal
from switchyard.core.webhooks.patterns import ALL, matches, pattern_problem
from switchyard.core.webhooks.queue import PENDING
from switchyard.core.webhooks.subscriptions import own_subscription
from switchyard.domain import Scope
from switchyard.errors import Conflict, InvalidInput, NotFound
from switchyard.ids import is_id
from switchyard.store.database import Database
from switchyard.store.tables import WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSubscription

EVENT_STATUSES = ("pending", "delivered", "failed", "skipped")


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    delivery: WebhookDelivery
    attempts: list[WebhookAttempt]


@dataclass(frozen=True, slots=True)
class EventRecord:
    event: WebhookEvent
    deliveries: list[DeliveryRecord]


class EventLog:
    def __init__(self, database: Database, notify: Callable[[], None]) -> None:
        self._db = database
        self._notify = notify

    async def list_for(
        self,
        who: Principal,
        type: str | None = None,
        station_id: str | None = None,
        status: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Sequence[WebhookEvent]:
        """Newest first; `type` is an event type or a pattern like `chargestation.*`."""
        who.require(Scope.READ)
        query = select(WebhookEvent).where(WebhookEvent.operator_id == who.operator_id)
        if type is not None and type != ALL:
            problem = pattern_problem(type)
            if problem is not None:
                raise InvalidInput(f"type: {problem}")
            if type.endswith(".*"):
                query = query.where(WebhookEvent.type.startswith(type[:-1], autoescape=True))
            else:
                query = query.where(WebhookEvent.type == type)
        if station_id is not None:
            query = query.where(WebhookEvent.station_id == station_id)
        if status is not None:
            if status not in EVENT_STATUSES:
                raise InvalidInput(f"status: must be one of {', '.join(EVENT_STATUSES)}; got {status!r}")
            query = query.where(WebhookEvent.status == status)
        query = query.order_by(WebhookEvent.seq.desc()).limit(limit).offset(offset)
        async with self._db.sessions() as session:
            return (await session.scalars(query)).all()

    async def get(self, who: Principal, event_id: str) -> EventRecord:
        who.require(Scope.READ)
        async with self._db.sessions() as session:
            return await _record(session, await _own_event(session, who, event_id))

    async def replay(self, who: Principal, event_id: str, subscription_id: str | None = None) -> EventRecord:
        who.require(Scope.ADMIN)
        async with self._db.transaction() as session:
            event = await _own_event(session, who, event_id)
            if subscription_id is not None:
                subscription = await own_subscription(session, who, subscription_id)
                if not matches(subscription.events, event.type):
                    raise InvalidInput(f"webhook {subscription.id} does not subscribe to {event.type}")
                targets: list[str] | None = [subscription.id]
            else:
                await _some_subscriber(session, event)
                targets = None
            if event.dispatched_at is None:
                # Still waiting for the dispatcher (a first dispatch or another replay): widen it.
                waiting = event.replay_to
                event.replay_to = None if waiting is None or targets is None else sorted({*waiting, *targets})
            else:
                event.replay_to = targets
                event.dispatched_at = None
            event.replays += 1
            event.status = PENDING
            await session.flush()
            record = await _record(session, event)
        self._notify()
        return record


async def _own_event(session: AsyncSession, who: Principal, event_id: str) -> WebhookEvent:
    found = None
    if is_id(event_id):
        found = await session.scalar(select(WebhookEvent).where(WebhookEvent.id == event_id))
    if found is None or found.operator_id != who.operator_id:
        raise NotFound(f"webhook event {event_id} not found")
    return found


async def _some_subscriber(session: AsyncSession, event: WebhookEvent) -> None:
    rows = await session.scalars(
        select(WebhookSubscription.events).where(WebhookSubscription.operator_id == event.operator_id)
    )
    if not any(matches(patterns, event.type) for patterns in rows):
        raise Conflict(f"no webhook subscribes to {event.type}; nothing to replay to")


async def _record(session: AsyncSession, event: WebhookEvent) -> EventRecord:
    deliveries = (
        await session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.event_id == event.id).order_by(WebhookDelivery.id)
        )
    ).all()
    attempts: dict[int, list[WebhookAttempt]] = {delivery.id: [] for delivery in deliveries}
    if deliveries:
        rows = await session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(list(attempts)))
            .order_by(WebhookAttempt.delivery_id, WebhookAttempt.id)
        )
        for attempt in rows:
            attempts[attempt.delivery_id].append(attempt)
    return EventRecord(event, [DeliveryRecord(d, attempts[d.id]) for d in deliveries])
