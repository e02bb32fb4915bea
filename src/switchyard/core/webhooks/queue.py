"""The delivery queue in the database: fan events out, find due deliveries, record attempts.

A lane is one subscription and one station (`lane` is the station id, "" for events without one).
Only a lane's oldest pending delivery, its head, has `next_attempt_at` set, so the due query reads
heads alone, from a partial index; when a head is delivered or fails for good, the next one in its
lane becomes the head. Everything here runs in the dispatcher's one task, so heads never race.
"""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, exists, func, insert, null, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from switchyard.core.webhooks.patterns import matches
from switchyard.core.webhooks.sender import Outcome, RetryPolicy
from switchyard.store.database import Database
from switchyard.store.tables import WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSubscription

PENDING, DELIVERED, FAILED, SKIPPED = "pending", "delivered", "failed", "skipped"
_BATCH = 500

_deliveries = cast(Table, WebhookDelivery.__table__)
_events = cast(Table, WebhookEvent.__table__)
_attempts = cast(Table, WebhookAttempt.__table__)


@dataclass(frozen=True, slots=True)
class DueDelivery:
    id: int
    subscription_id: str
    lane: str
    created_at: datetime
    attempts: int
    url: str
    secret_ciphertext: str
    event_id: str
    payload: str


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


class DeliveryQueue:
    def __init__(self, database: Database, policy: RetryPolicy) -> None:
        self._db = database
        self.policy = policy

    async def fan_out(self, now: datetime, limit: int) -> int:
        """One delivery per matching subscription for up to `limit` undispatched events; how many were read."""
        async with self._db.transaction() as session:
            events = (
                await session.execute(
                    select(
                        WebhookEvent.seq,
                        WebhookEvent.id,
                        WebhookEvent.operator_id,
                        WebhookEvent.station_id,
                        WebhookEvent.type,
                        WebhookEvent.replay_to,
                        WebhookEvent.replays,
                    )
                    .where(WebhookEvent.dispatched_at.is_(None))
                    .order_by(WebhookEvent.seq)
                    .limit(limit)
                )
            ).all()
            if not events:
                return 0
            event_ids = [event.id for event in events]
            subscriptions = await self._subscriptions(session, {event.operator_id for event in events})
            already = set(
                (
                    await session.execute(
                        select(WebhookDelivery.event_id, WebhookDelivery.subscription_id).where(
                            WebhookDelivery.event_id.in_(event_ids), WebhookDelivery.status == PENDING
                        )
                    )
                ).all()
            )
            rows = [
                {
                    "event_id": event.id,
                    "subscription_id": subscription_id,
                    "lane": event.station_id or "",
                    "status": PENDING,
                    "attempts": 0,
                    "next_attempt_at": None,
                    "created_at": now,
                }
                for event in events
                for subscription_id, patterns in subscriptions.get(event.operator_id, ())
                if (event.replay_to is None or subscription_id in event.replay_to)
                and matches(patterns, event.type)
                and (event.id, subscription_id) not in already
            ]
            connection = await session.connection()
            if rows:
                await connection.execute(insert(_deliveries), rows)
            # A replay asked meanwhile (replays moved on) leaves its event undispatched for the next round.
            await connection.execute(
                update(_events)
                .where(_events.c.seq == bindparam("_seq"), _events.c.replays == bindparam("_replays"))
                .values(dispatched_at=now, replay_to=null()),
                [{"_seq": event.seq, "_replays": event.replays} for event in events],
            )
            await _promote_new(session, event_ids, now)
            await refresh_event_status(session, event_ids)
            return len(events)

    async def repair_lanes(self, now: datetime) -> None:
        """Give every lane with pending deliveries a head (run once at start: a safety net, normally a no-op)."""
        async with self._db.transaction() as session:
            await _promote_new(session, None, now)

    async def due(
        self, now: datetime, limit: int, busy: Sequence[int], per_subscription: int, room: Mapping[str, int]
    ) -> list[DueDelivery]:
        """Up to `limit` due lane heads not in `busy`, oldest due first, at most `room[s]` of subscription
        `s` (`per_subscription` of one not in `room`), so one subscription's many lanes cannot crowd
        the others out."""
        full = [subscription for subscription, left in room.items() if left <= 0]
        conditions = [WebhookDelivery.next_attempt_at.is_not(None), WebhookDelivery.next_attempt_at <= now]
        if busy:
            conditions.append(WebhookDelivery.id.not_in(busy))
        if full:
            conditions.append(WebhookDelivery.subscription_id.not_in(full))
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
        # Rows beyond a partly busy subscription's room are dropped below; fetch enough to fill `limit`.
        dropped = sum(per_subscription - left for left in room.values() if left > 0)
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
            .limit(limit + dropped)
        )
        async with self._db.sessions() as session:
            rows = (await session.execute(query)).all()
        taken: Counter[str] = Counter()
        due: list[DueDelivery] = []
        for row in rows:
            if len(due) == limit:
                break
            if taken[row.subscription_id] >= room.get(row.subscription_id, per_subscription):
                continue
            taken[row.subscription_id] += 1
            due.append(
                DueDelivery(
                    id=row.id,
                    subscription_id=row.subscription_id,
                    lane=row.lane,
                    created_at=row.created_at,
                    attempts=row.attempts,
                    url=row.url,
                    secret_ciphertext=row.secret_ciphertext,
                    event_id=row.event_id,
                    payload=row.payload,
                )
            )
        return due

    async def next_due(self, now: datetime) -> datetime | None:
        """When the next lane head not yet due will be (None: none is waiting)."""
        async with self._db.sessions() as session:
            found: datetime | None = await session.scalar(
                select(func.min(WebhookDelivery.next_attempt_at)).where(WebhookDelivery.next_attempt_at > now)
            )
        return found

    async def record(self, finished: Sequence[Finished], now: datetime) -> list[Finished]:
        """Attempts, the deliveries' new states, the next heads of finished lanes and event statuses, at once.

        Returns the deliveries that failed for good."""
        async with self._db.transaction() as session:
            ids = [item.delivery.id for item in finished]
            # A subscription deleted meanwhile took its deliveries with it.
            alive = set((await session.scalars(select(WebhookDelivery.id).where(WebhookDelivery.id.in_(ids)))).all())
            kept = [item for item in finished if item.delivery.id in alive]
            if not kept:
                return []
            changes = [self._change(item, now) for item in kept]
            connection = await session.connection()
            await connection.execute(
                insert(_attempts),
                [
                    {
                        "delivery_id": item.delivery.id,
                        "at": item.outcome.at,
                        "status_code": item.outcome.status_code,
                        "error": item.outcome.error,
                        "duration_ms": item.outcome.duration_ms,
                    }
                    for item in kept
                ],
            )
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
                changes,
            )
            finals = [item.delivery for item, change in zip(kept, changes, strict=True) if change["status"] != PENDING]
            if finals:
                await _promote_next(session, {(d.subscription_id, d.lane) for d in finals}, now)
                await refresh_event_status(session, sorted({d.event_id for d in finals}))
            return [item for item, change in zip(kept, changes, strict=True) if change["status"] == FAILED]

    def _change(self, item: Finished, now: datetime) -> dict[str, Any]:
        delivery, outcome = item.delivery, item.outcome
        retry_at = None if outcome.ok else self.policy.next_attempt(delivery.created_at, delivery.attempts + 1, now)
        status = DELIVERED if outcome.ok else (PENDING if retry_at is not None else FAILED)
        return {
            "_id": delivery.id,
            "status": status,
            "next_attempt_at": retry_at,
            "last_attempt_at": outcome.at,
            "last_status_code": outcome.status_code,
            "last_error": outcome.error,
            "finished_at": None if status == PENDING else now,
        }

    @staticmethod
    async def _subscriptions(session: AsyncSession, operators: set[str]) -> dict[str, list[tuple[str, list[str]]]]:
        rows = await session.execute(
            select(WebhookSubscription.operator_id, WebhookSubscription.id, WebhookSubscription.events)
            .where(WebhookSubscription.operator_id.in_(operators))
            .order_by(WebhookSubscription.created_at, WebhookSubscription.id)
        )
        found: dict[str, list[tuple[str, list[str]]]] = {}
        for operator_id, subscription_id, patterns in rows:
            found.setdefault(operator_id, []).append((subscription_id, patterns))
        return found


async def _promote_new(session: AsyncSession, event_ids: Sequence[str] | None, now: datetime) -> None:
    """Deliveries (of these events; None: of any) become heads where nothing older is pending in their lane."""
    older = aliased(WebhookDelivery)
    scope = [] if event_ids is None else [WebhookDelivery.event_id.in_(event_ids)]
    await session.execute(
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


async def _promote_next(session: AsyncSession, lanes: set[tuple[str, str]], now: datetime) -> None:
    """The oldest pending delivery of each lane becomes its head."""
    oldest = (
        select(func.min(_deliveries.c.id))
        .where(
            _deliveries.c.status == PENDING,
            _deliveries.c.subscription_id == bindparam("_subscription"),
            _deliveries.c.lane == bindparam("_lane"),
        )
        .scalar_subquery()
    )
    connection = await session.connection()
    await connection.execute(
        update(_deliveries)
        .where(_deliveries.c.id == oldest, _deliveries.c.next_attempt_at.is_(None))
        .values(next_attempt_at=bindparam("_now")),
        [{"_subscription": s, "_lane": lane, "_now": now} for s, lane in sorted(lanes)],
    )


async def refresh_event_status(session: AsyncSession, event_ids: Sequence[str]) -> None:
    """Each event's status from its deliveries; an event without any is `skipped`."""
    for start in range(0, len(event_ids), _BATCH):
        await _refresh_batch(session, event_ids[start : start + _BATCH])


async def _refresh_batch(session: AsyncSession, event_ids: Sequence[str]) -> None:
    rows = await session.execute(
        select(
            WebhookDelivery.event_id, WebhookDelivery.subscription_id, WebhookDelivery.id, WebhookDelivery.status
        ).where(WebhookDelivery.event_id.in_(event_ids))
    )
    per_event: dict[str, list[tuple[str, int, str]]] = {event_id: [] for event_id in event_ids}
    for event_id, subscription_id, delivery_id, status in rows:
        per_event[event_id].append((subscription_id, delivery_id, status))
    connection = await session.connection()
    # An event waiting for a replay stays pending, whatever its older deliveries did.
    await connection.execute(
        update(_events)
        .where(_events.c.id == bindparam("_id"), _events.c.dispatched_at.is_not(None))
        .values(status=bindparam("status")),
        [{"_id": event_id, "status": event_status(found)} for event_id, found in per_event.items()],
    )
