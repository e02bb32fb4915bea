"""The webhook delivery queue as `ports.webhooks.DeliveryRows`, in an open session.

Many-row writes are one executemany statement each, on the session's connection (no ORM unit of
work on the dispatcher's hot path). The due query reads lane heads alone, from the partial index on
`next_attempt_at`; `promote_new` and `promote_next` find a lane's oldest pending delivery through the
partial index on (subscription, lane, id) of pending rows.
"""

from collections.abc import Collection, Sequence
from dataclasses import fields
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from switchyard.ports.webhooks import (
    PENDING,
    AttemptRow,
    DeliveryChange,
    DeliveryRecord,
    DeliveryRow,
    DueDelivery,
    NewDelivery,
)
from switchyard.store.tables import WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSubscription

# Event ids per statement when reading statuses (bound parameters are limited).
_BATCH = 500

_deliveries = cast(Table, WebhookDelivery.__table__)
_attempts = cast(Table, WebhookAttempt.__table__)
_DELIVERY_COLUMNS = tuple(getattr(WebhookDelivery, field.name) for field in fields(DeliveryRow))
_ATTEMPT_COLUMNS = tuple(getattr(WebhookAttempt, field.name) for field in fields(AttemptRow))


class SqlDeliveries:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, deliveries: Sequence[NewDelivery], now: datetime) -> None:
        if not deliveries:
            return
        connection = await self._session.connection()
        await connection.execute(
            insert(_deliveries),
            [
                {
                    "event_id": delivery.event_id,
                    "subscription_id": delivery.subscription_id,
                    "lane": delivery.lane,
                    "status": PENDING,
                    "attempts": 0,
                    "next_attempt_at": None,
                    "created_at": now,
                }
                for delivery in deliveries
            ],
        )

    async def pending_pairs(self, event_ids: Collection[str]) -> set[tuple[str, str]]:
        rows = await self._session.execute(
            select(WebhookDelivery.event_id, WebhookDelivery.subscription_id).where(
                WebhookDelivery.event_id.in_(event_ids), WebhookDelivery.status == PENDING
            )
        )
        return {(event_id, subscription_id) for event_id, subscription_id in rows}

    async def promote_new(self, event_ids: Collection[str] | None, now: datetime) -> None:
        older = aliased(WebhookDelivery)
        scope = [] if event_ids is None else [WebhookDelivery.event_id.in_(event_ids)]
        await self._session.execute(
            update(WebhookDelivery)
            .where(
                *scope,
                WebhookDelivery.status == PENDING,
                WebhookDelivery.next_attempt_at.is_(None),
                ~exists().where(
                    older.subscription_id == WebhookDelivery.subscription_id,
                    older.lane == WebhookDelivery.lane,
                    older.status == PENDING,
                    older.id < WebhookDelivery.id,
                ),
            )
            .values(next_attempt_at=now)
            .execution_options(synchronize_session=False)
        )

    async def promote_next(self, lanes: Collection[tuple[str, str]], now: datetime) -> None:
        if not lanes:
            return
        oldest = (
            select(func.min(_deliveries.c.id))
            .where(
                _deliveries.c.status == PENDING,
                _deliveries.c.subscription_id == bindparam("_subscription"),
                _deliveries.c.lane == bindparam("_lane"),
            )
            .scalar_subquery()
        )
        connection = await self._session.connection()
        await connection.execute(
            update(_deliveries)
            .where(_deliveries.c.id == oldest, _deliveries.c.next_attempt_at.is_(None))
            .values(next_attempt_at=bindparam("_now")),
            [{"_subscription": s, "_lane": lane, "_now": now} for s, lane in sorted(lanes)],
        )

    async def due_heads(
        self, now: datetime, busy: Collection[int], skip: Collection[str], per_subscription: int, limit: int
    ) -> list[DueDelivery]:
        conditions = [WebhookDelivery.next_attempt_at.is_not(None), WebhookDelivery.next_attempt_at <= now]
        if busy:
            conditions.append(WebhookDelivery.id.not_in(busy))
        if skip:
            conditions.append(WebhookDelivery.subscription_id.not_in(skip))
        place = func.row_number().over(
            partition_by=WebhookDelivery.subscription_id,
            order_by=(WebhookDelivery.next_attempt_at, WebhookDelivery.id),
        )
        ranked = (
            select(
                WebhookDelivery.id,
                WebhookDelivery.subscription_id,
                WebhookDelivery.next_attempt_at,
                place.label("place"),
            )
            .where(*conditions)
            .subquery()
        )
        query = (
            select(
                ranked.c.id,
                ranked.c.subscription_id,
                WebhookDelivery.lane,
                WebhookDelivery.created_at,
                WebhookDelivery.attempts,
                WebhookSubscription.url,
                WebhookSubscription.secret_ciphertext,
                WebhookEvent.id.label("event_id"),
                WebhookEvent.payload,
            )
            .join(WebhookDelivery, WebhookDelivery.id == ranked.c.id)
            .join(WebhookSubscription, WebhookSubscription.id == ranked.c.subscription_id)
            .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
            .where(ranked.c.place <= per_subscription)
            .order_by(ranked.c.next_attempt_at, ranked.c.id)
            .limit(limit)
        )
        return [DueDelivery(*row) for row in await self._session.execute(query)]

    async def next_due(self, now: datetime) -> datetime | None:
        found: datetime | None = await self._session.scalar(
            select(func.min(WebhookDelivery.next_attempt_at)).where(WebhookDelivery.next_attempt_at > now)
        )
        return found

    async def existing(self, delivery_ids: Collection[int]) -> set[int]:
        return set(await self._session.scalars(select(WebhookDelivery.id).where(WebhookDelivery.id.in_(delivery_ids))))

    async def record(self, attempts: Sequence[AttemptRow], changes: Sequence[DeliveryChange]) -> None:
        connection = await self._session.connection()
        if attempts:
            await connection.execute(
                insert(_attempts),
                [
                    {
                        "delivery_id": attempt.delivery_id,
                        "at": attempt.at,
                        "status_code": attempt.status_code,
                        "error": attempt.error,
                        "duration_ms": attempt.duration_ms,
                    }
                    for attempt in attempts
                ],
            )
        if changes:
            await connection.execute(
                update(_deliveries)
                .where(_deliveries.c.id == bindparam("_id"))
                .values(
                    attempts=_deliveries.c.attempts + 1,
                    status=bindparam("status"),
                    next_attempt_at=bindparam("next_attempt_at"),
                    last_attempt_at=bindparam("last_attempt_at"),
                    last_status_code=bindparam("last_status_code"),
                    last_error=bindparam("last_error"),
                    finished_at=bindparam("finished_at"),
                ),
                [
                    {
                        "_id": change.id,
                        "status": change.status,
                        "next_attempt_at": change.next_attempt_at,
                        "last_attempt_at": change.last_attempt_at,
                        "last_status_code": change.last_status_code,
                        "last_error": change.last_error,
                        "finished_at": change.finished_at,
                    }
                    for change in changes
                ],
            )

    async def statuses_of(self, event_ids: Collection[str]) -> dict[str, list[tuple[str, int, str]]]:
        ordered = list(event_ids)
        found: dict[str, list[tuple[str, int, str]]] = {}
        for start in range(0, len(ordered), _BATCH):
            rows = await self._session.execute(
                select(
                    WebhookDelivery.event_id,
                    WebhookDelivery.subscription_id,
                    WebhookDelivery.id,
                    WebhookDelivery.status,
                ).where(WebhookDelivery.event_id.in_(ordered[start : start + _BATCH]))
            )
            for event_id, subscription_id, delivery_id, status in rows:
                found.setdefault(event_id, []).append((subscription_id, delivery_id, status))
        return found

    async def of_event(self, event_id: str) -> list[DeliveryRecord]:
        deliveries = [
            DeliveryRow(**row._mapping)
            for row in await self._session.execute(
                select(*_DELIVERY_COLUMNS).where(WebhookDelivery.event_id == event_id).order_by(WebhookDelivery.id)
            )
        ]
        attempts: dict[int, list[AttemptRow]] = {delivery.id: [] for delivery in deliveries}
        if deliveries:
            rows = await self._session.execute(
                select(*_ATTEMPT_COLUMNS)
                .where(WebhookAttempt.delivery_id.in_(list(attempts)))
                .order_by(WebhookAttempt.delivery_id, WebhookAttempt.id)
            )
            for row in rows:
                attempt = AttemptRow(**row._mapping)
                attempts[attempt.delivery_id].append(attempt)
        return [DeliveryRecord(delivery, attempts[delivery.id]) for delivery in deliveries]
