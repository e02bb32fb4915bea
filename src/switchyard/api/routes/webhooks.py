"""Webhook subscriptions and the events sent to them, of the caller's operator (docs/webhooks.md).

The signing secret appears in one answer only: the creation of a subscription whose secret
Switchyard generated. Event routes come before `/{webhook_id}`, which would otherwise take `events`.
"""

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import Field

from switchyard.api.deps import Caller, Node
from switchyard.api.envelope import Envelope, ok
from switchyard.api.models import Body, NotNull, Out, Timestamp
from switchyard.api.paging import Limit, Offset
from switchyard.core.webhooks.events import EventRecord
from switchyard.ports.webhooks import DeliveryRecord, EventRow, SubscriptionRecord

router = APIRouter(prefix="/v1.1/webhooks", tags=["webhooks"])

EventStatus = Literal["pending", "delivered", "failed", "skipped"]


class WebhookIn(Body):
    url: str = Field(max_length=2000)
    # Event types or patterns ("chargestation.*"); left out: every event.
    events: list[str] | None = None
    # A Standard Webhooks secret (whsec_ + base64); left out: Switchyard generates one and shows it once.
    secret: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=300)


class WebhookPatch(Body):
    url: Annotated[str | None, NotNull] = Field(None, max_length=2000)
    events: Annotated[list[str] | None, NotNull] = None
    secret: Annotated[str | None, NotNull] = Field(None, max_length=200)
    description: str | None = Field(None, max_length=300)


class ReplayIn(Body):
    # Only this subscription; left out: every subscription that matches the event now.
    subscription: str | None = None


class WebhookOut(Out):
    id: str = Field(alias="_id")
    operator: str
    url: str
    events: list[str]
    description: str | None
    created_at: Timestamp = Field(alias="createdAt")
    updated_at: Timestamp = Field(alias="updatedAt")


class CreatedWebhookOut(WebhookOut):
    # Present only when Switchyard generated the secret; the only time it is ever shown.
    secret: str | None = None


class AttemptOut(Out):
    at: Timestamp
    status_code: int | None = Field(alias="statusCode")
    error: str | None
    duration_ms: int = Field(alias="durationMs")


class DeliveryOut(Out):
    id: int = Field(alias="_id")
    webhook: str
    status: str
    next_attempt_at: Timestamp | None = Field(alias="nextAttemptAt")
    created_at: Timestamp = Field(alias="createdAt")
    finished_at: Timestamp | None = Field(alias="finishedAt")
    attempts: list[AttemptOut]


class EventOut(Out):
    id: str = Field(alias="_id")
    type: str
    chargestation: str | None
    status: str
    replays: int
    created_at: Timestamp = Field(alias="createdAt")
    dispatched_at: Timestamp | None = Field(alias="dispatchedAt")
    # The body POSTed to subscribers, exactly.
    envelope: dict[str, Any]


class EventDetailOut(EventOut):
    deliveries: list[DeliveryOut]


def webhook_out(subscription: SubscriptionRecord) -> WebhookOut:
    return WebhookOut(
        id=subscription.id,
        operator=subscription.operator_id,
        url=subscription.url,
        events=subscription.events,
        description=subscription.description,
        created_at=subscription.created_at,
        updated_at=subscription.updated_at,
    )


def event_out(event: EventRow) -> EventOut:
    return EventOut(
        id=event.id,
        type=event.type,
        chargestation=event.station_id,
        status=event.status,
        replays=event.replays,
        created_at=event.created_at,
        dispatched_at=event.dispatched_at,
        envelope=json.loads(event.payload),
    )


def _delivery_out(record: DeliveryRecord) -> DeliveryOut:
    delivery = record.delivery
    return DeliveryOut(
        id=delivery.id,
        webhook=delivery.subscription_id,
        status=delivery.status,
        next_attempt_at=delivery.next_attempt_at,
        created_at=delivery.created_at,
        finished_at=delivery.finished_at,
        attempts=[
            AttemptOut(at=a.at, status_code=a.status_code, error=a.error, duration_ms=a.duration_ms)
            for a in record.attempts
        ],
    )


def event_detail_out(record: EventRecord) -> EventDetailOut:
    return EventDetailOut(
        **event_out(record.event).model_dump(), deliveries=[_delivery_out(d) for d in record.deliveries]
    )


# -- events -------------------------------------------------------------------------------------


@router.get("/events")
async def list_events(
    sy: Node,
    who: Caller,
    type: Annotated[
        str | None,
        Query(max_length=100, pattern=r"^[A-Za-z0-9_.*-]+$", description="an event type, or a pattern like a.*"),
    ] = None,
    station: Annotated[str | None, Query(pattern=r"^[0-9a-f]{24}$", description="a charge station id")] = None,
    status: EventStatus | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Envelope[list[EventOut]]:
    """Newest first."""
    events = await sy.events.list_for(who, type, station, status, limit, offset)
    return ok([event_out(e) for e in events])


@router.get("/events/{event_id}")
async def get_event(event_id: str, sy: Node, who: Caller) -> Envelope[EventDetailOut]:
    return ok(event_detail_out(await sy.events.get(who, event_id)))


@router.post("/events/{event_id}/replay")
async def replay_event(event_id: str, sy: Node, who: Caller, body: ReplayIn | None = None) -> Envelope[EventDetailOut]:
    subscription = body.subscription if body is not None else None
    record = await sy.events.replay(who, event_id, subscription)
    return ok(event_detail_out(record), "event queued for delivery again")


# -- subscriptions ------------------------------------------------------------------------------


@router.get("")
async def list_webhooks(sy: Node, who: Caller) -> Envelope[list[WebhookOut]]:
    return ok([webhook_out(s) for s in await sy.subscriptions.list_for(who)])


@router.post("", status_code=201)
async def create_webhook(body: WebhookIn, sy: Node, who: Caller) -> Envelope[CreatedWebhookOut]:
    created = await sy.subscriptions.create(who, body.url, body.events, body.secret, body.description)
    out = CreatedWebhookOut(**webhook_out(created.subscription).model_dump(), secret=created.generated_secret)
    message = "store this signing secret now: it is not shown again" if created.generated_secret else ""
    return ok(out, message)


@router.get("/{webhook_id}")
async def get_webhook(webhook_id: str, sy: Node, who: Caller) -> Envelope[WebhookOut]:
    return ok(webhook_out(await sy.subscriptions.get(who, webhook_id)))


@router.patch("/{webhook_id}")
async def update_webhook(webhook_id: str, body: WebhookPatch, sy: Node, who: Caller) -> Envelope[WebhookOut]:
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    return ok(webhook_out(await sy.subscriptions.update(who, webhook_id, changes)))


@router.delete("/{webhook_id}")
async def delete_webhook(webhook_id: str, sy: Node, who: Caller) -> Envelope[None]:
    await sy.subscriptions.delete(who, webhook_id)
    return ok(None, "webhook deleted")
