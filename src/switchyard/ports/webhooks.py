"""What webhooks keep: subscriptions, the events written to the outbox, and the delivery queue
(one delivery per event and subscription, with its attempts).

Core decides (which subscriptions an event goes to, which due heads to start, when to retry, what an
event's status is: `core/webhooks/`); these repositories only read and write, one transaction at a
time through `WebhookTx`. `store/webhook_store.py` implements them on SQLAlchemy; the repository
contract suite (tests/store/contract/) holds it to these docstrings, on SQLite and PostgreSQL.

A lane is one subscription and one station (`lane` is the station id, "" for events without one).
Only a lane's head, its oldest pending delivery, has `next_attempt_at` set (ADR 0005).
"""

from collections.abc import Collection, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

# The statuses of events and deliveries (a delivery is never skipped).
PENDING, DELIVERED, FAILED, SKIPPED = "pending", "delivered", "failed", "skipped"


@dataclass(frozen=True, slots=True)
class SubscriptionRecord:
    id: str
    operator_id: str
    url: str
    # Event types and patterns ("chargestation.*"); ["*"] is every event.
    events: list[str]
    description: str | None
    # The signing secret, encrypted (switchyard/cipher.py), bound to the subscription id.
    secret_ciphertext: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class EventRow:
    """An event as the API shows it."""

    id: str
    operator_id: str
    station_id: str | None
    type: str
    # The envelope exactly as it is sent (and signed), JSON text.
    payload: str
    status: str
    created_at: datetime
    # None until the dispatcher fans the event out (again after a replay).
    dispatched_at: datetime | None
    # A replay's subscriptions (None: every matching one), and how many replays were asked.
    replay_to: list[str] | None
    replays: int


@dataclass(frozen=True, slots=True)
class UndispatchedEvent:
    """What fan-out needs of an event waiting for it; `seq` is its place in the outbox."""

    seq: int
    id: str
    operator_id: str
    station_id: str | None
    type: str
    replay_to: list[str] | None
    replays: int


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    id: int
    event_id: str
    subscription_id: str
    lane: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class AttemptRow:
    """One POST of a delivery: when, what came back (an HTTP status or an error), how long it took."""

    delivery_id: int
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    delivery: DeliveryRow
    attempts: list[AttemptRow]


@dataclass(frozen=True, slots=True)
class NewDelivery:
    event_id: str
    subscription_id: str
    lane: str


@dataclass(frozen=True, slots=True)
class DueDelivery:
    """A lane head to attempt, with what the attempt needs."""

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
class DeliveryChange:
    """A delivery's state after one more attempt (`attempts` goes up by one)."""

    id: int
    status: str
    next_attempt_at: datetime | None
    last_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    finished_at: datetime | None


class SubscriptionRows(Protocol):
    async def add(self, subscription: SubscriptionRecord) -> None: ...

    async def get(self, subscription_id: str) -> SubscriptionRecord | None: ...

    async def of_operator(self, operator_id: str) -> list[SubscriptionRecord]:
        """Oldest first (creation time, then id)."""
        ...

    async def patterns_of(self, operator_ids: Collection[str]) -> dict[str, list[tuple[str, list[str]]]]:
        """Operator id -> (subscription id, event patterns) of each of its subscriptions, oldest first;
        operators without any are absent."""
        ...

    async def update(self, subscription_id: str, values: Mapping[str, Any]) -> None:
        """Set these fields (names of `SubscriptionRecord`)."""
        ...

    async def delete(self, subscription_id: str) -> list[str]:
        """Delete it with its deliveries and their attempts; returns the ids of the events those
        deliveries were of (each once)."""
        ...


class EventRows(Protocol):
    async def get(self, event_id: str) -> EventRow | None: ...

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
        """The operator's events, newest first (outbox order), of this `type`, or whose type starts
        with `type_prefix` (taken literally: `_` and `%` are not wildcards)."""
        ...

    async def replay(self, event_id: str, replay_to: list[str] | None, replays: int) -> None:
        """Queue the event for fan-out again: undispatched, `pending`, to `replay_to` (None: every
        matching subscription), with `replays` replays asked."""
        ...

    async def undispatched(self, limit: int) -> list[UndispatchedEvent]:
        """Up to `limit` events waiting for fan-out, in outbox order."""
        ...

    async def mark_dispatched(self, events: Sequence[UndispatchedEvent], now: datetime) -> None:
        """These events are fanned out at `now` (their `replay_to` is cleared), except those replayed
        since they were read (their `replays` moved on): those wait for the next fan-out."""
        ...

    async def set_statuses(self, statuses: Mapping[str, str]) -> None:
        """Event id -> status, for events that are dispatched; one waiting for fan-out keeps its own."""
        ...


class DeliveryRows(Protocol):
    async def add(self, deliveries: Sequence[NewDelivery], now: datetime) -> None:
        """New pending deliveries, created at `now`, none of them a head yet (in one statement)."""
        ...

    async def pending_pairs(self, event_ids: Collection[str]) -> set[tuple[str, str]]:
        """(event id, subscription id) of the pending deliveries of these events."""
        ...

    async def promote_new(self, event_ids: Collection[str] | None, now: datetime) -> None:
        """Pending deliveries (of these events; None: of any) that are not heads become heads, due at
        `now`, where nothing older is pending in their lane."""
        ...

    async def promote_next(self, lanes: Collection[tuple[str, str]], now: datetime) -> None:
        """The oldest pending delivery of each (subscription id, lane) becomes its head, due at `now`,
        unless it is one already."""
        ...

    async def due_heads(
        self, now: datetime, busy: Collection[int], skip: Collection[str], per_subscription: int, limit: int
    ) -> list[DueDelivery]:
        """Heads due by `now`, not in `busy` nor of a subscription in `skip`: at most `per_subscription`
        of each subscription (its oldest due), and of those up to `limit`, oldest due first (then id)."""
        ...

    async def next_due(self, now: datetime) -> datetime | None:
        """The earliest `next_attempt_at` after `now` (None: no head waits)."""
        ...

    async def existing(self, delivery_ids: Collection[int]) -> set[int]:
        """Which of these deliveries still exist."""
        ...

    async def record(self, attempts: Sequence[AttemptRow], changes: Sequence[DeliveryChange]) -> None:
        """The attempts, and the deliveries' new states (in a statement each)."""
        ...

    async def statuses_of(self, event_ids: Collection[str]) -> dict[str, list[tuple[str, int, str]]]:
        """Event id -> (subscription id, delivery id, status) of its deliveries; events without any
        are absent."""
        ...

    async def of_event(self, event_id: str) -> list[DeliveryRecord]:
        """The event's deliveries, oldest first, each with its attempts, oldest first."""
        ...


class WebhookTx(Protocol):
    """One open transaction."""

    @property
    def subscriptions(self) -> SubscriptionRows: ...

    @property
    def events(self) -> EventRows: ...

    @property
    def deliveries(self) -> DeliveryRows: ...


class WebhookStore(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[WebhookTx]:
        """A transaction of its own, committed when the block ends without an exception."""
        ...

    def reading(self) -> AbstractAsyncContextManager[WebhookTx]:
        """A read-only look (nothing written in it is kept)."""
        ...
