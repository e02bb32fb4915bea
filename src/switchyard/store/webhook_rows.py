"""Webhook subscriptions and events as `ports.webhooks.SubscriptionRows` and `EventRows`, in an open
session. Rows come back as the port's records from plain column selects."""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, null, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from switchyard.ports.webhooks import PENDING, EventRow, SubscriptionRecord, UndispatchedEvent
from switchyard.store.tables import WebhookDelivery, WebhookEvent, WebhookSubscription

_events = cast(Table, WebhookEvent.__table__)
_SUBSCRIPTION_COLUMNS = tuple(getattr(WebhookSubscription, field.name) for field in fields(SubscriptionRecord))
_EVENT_COLUMNS = tuple(getattr(WebhookEvent, field.name) for field in fields(EventRow))
_UNDISPATCHED_COLUMNS = tuple(getattr(WebhookEvent, field.name) for field in fields(UndispatchedEvent))


class SqlSubscriptions:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, subscription: SubscriptionRecord) -> None:
        await self._session.execute(insert(WebhookSubscription).values(**asdict(subscription)))

    async def get(self, subscription_id: str) -> SubscriptionRecord | None:
        row = (
            await self._session.execute(select(*_SUBSCRIPTION_COLUMNS).where(WebhookSubscription.id == subscription_id))
        ).one_or_none()
        return None if row is None else SubscriptionRecord(**row._mapping)

    async def of_operator(self, operator_id: str) -> list[SubscriptionRecord]:
        rows = await self._session.execute(
            select(*_SUBSCRIPTION_COLUMNS)
            .where(WebhookSubscription.operator_id == operator_id)
            .order_by(WebhookSubscription.created_at, WebhookSubscription.id)
        )
        return [SubscriptionRecord(**row._mapping) for row in rows]

    async def patterns_of(self, operator_ids: Collection[str]) -> dict[str, list[tuple[str, list[str]]]]:
        rows = await self._session.execute(
            select(WebhookSubscription.operator_id, WebhookSubscription.id, WebhookSubscription.events)
            .where(WebhookSubscription.operator_id.in_(operator_ids))
            .order_by(WebhookSubscription.created_at, WebhookSubscription.id)
        )
        found: dict[str, list[tuple[str, list[str]]]] = {}
        for operator_id, subscription_id, patterns in rows:
            found.setdefault(operator_id, []).append((subscription_id, patterns))
        return found

    async def update(self, subscription_id: str, values: Mapping[str, Any]) -> None:
        await self._session.execute(
            update(WebhookSubscription).where(WebhookSubscription.id == subscription_id).values(**values)
        )

    async def delete(self, subscription_id: str) -> list[str]:
        touched = await self._session.scalars(
            select(WebhookDelivery.event_id).where(WebhookDelivery.subscription_id == subscription_id).distinct()
        )
        event_ids = list(touched)
        # Its deliveries and their attempts go with it, by foreign key.
        await self._session.execute(delete(WebhookSubscription).where(WebhookSubscription.id == subscription_id))
        return event_ids


class SqlEvents:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, event_id: str) -> EventRow | None:
        row = (await self._session.execute(select(*_EVENT_COLUMNS).where(WebhookEvent.id == event_id))).one_or_none()
        return None if row is None else EventRow(**row._mapping)

    async def newest(
        self,
        operator_id: str,
        *,
        type: str | None = None,
        type_prefix: str | None = None,
        station_id: str | None = None,
        status: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[EventRow]:
        query = select(*_EVENT_COLUMNS).where(WebhookEvent.operator_id == operator_id)
        if type is not None:
            query = query.where(WebhookEvent.type == type)
        if type_prefix is not None:
            query = query.where(WebhookEvent.type.startswith(type_prefix, autoescape=True))
        if station_id is not None:
            query = query.where(WebhookEvent.station_id == station_id)
        if status is not None:
            query = query.where(WebhookEvent.status == status)
        rows = await self._session.execute(query.order_by(WebhookEvent.seq.desc()).limit(limit).offset(offset))
        return [EventRow(**row._mapping) for row in rows]

    async def replay(self, event_id: str, replay_to: list[str] | None, replays: int) -> None:
        await self._session.execute(
            update(WebhookEvent)
            .where(WebhookEvent.id == event_id)
            .values(
                replay_to=null() if replay_to is None else replay_to,
                dispatched_at=None,
                replays=replays,
                status=PENDING,
            )
        )

    async def undispatched(self, limit: int) -> list[UndispatchedEvent]:
        rows = await self._session.execute(
            select(*_UNDISPATCHED_COLUMNS)
            .where(WebhookEvent.dispatched_at.is_(None))
            .order_by(WebhookEvent.seq)
            .limit(limit)
        )
        return [UndispatchedEvent(*row) for row in rows]

    async def mark_dispatched(self, events: Sequence[UndispatchedEvent], now: datetime) -> None:
        if not events:
            return
        connection = await self._session.connection()
        await connection.execute(
            update(_events)
            .where(_events.c.seq == bindparam("_seq"), _events.c.replays == bindparam("_replays"))
            .values(dispatched_at=now, replay_to=null()),
            [{"_seq": event.seq, "_replays": event.replays} for event in events],
        )

    async def set_statuses(self, statuses: Mapping[str, str]) -> None:
        if not statuses:
            return
        connection = await self._session.connection()
        await connection.execute(
            update(_events)
            .where(_events.c.id == bindparam("_id"), _events.c.dispatched_at.is_not(None))
            .values(status=bindparam("status")),
            [{"_id": event_id, "status": status} for event_id, status in statuses.items()],
        )
