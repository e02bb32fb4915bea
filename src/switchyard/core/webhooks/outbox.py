"""Webhook events: the outbox that announces changes, written in the transaction of the change.

`enqueue` writes one event row in the caller's open transaction and nothing else: if the caller
rolls back, the event never existed; once it commits, the node's `WebhookDispatcher`
(`core/webhooks/dispatcher.py`) fans it out to the operator's matching subscriptions and delivers it,
signed, at least once (docs/webhooks.md, ADR 0005).

The envelope is the eDRV one: `{"_id", "data", "object": "action", "type", "createdAt"}`.
"""

import re
from datetime import datetime
from typing import Any

import msgspec

from switchyard.clock import iso_utc
from switchyard.ids import new_id
from switchyard.ports.outbox import EventOutbox, OutboxEvent
from switchyard.protocol.redaction import REDACTED, SECRET_KEYS_16, SECRET_VARIABLES

EVENT_TYPE = re.compile(r"[a-z0-9_\-]+(\.[a-z0-9_\-]+)*")
# Keys whose values are secrets wherever they appear in event data.
_SECRET_NAME = re.compile(r"password|secret|authorizationkey", re.IGNORECASE)
_SECRET_SETTINGS = SECRET_KEYS_16 | SECRET_VARIABLES
_encoder = msgspec.json.Encoder()


def new_event(
    *,
    operator_id: str,
    station_id: str | None,
    event_type: str,
    data: dict[str, Any],
    now: datetime,
) -> OutboxEvent:
    """One webhook event in its envelope, ready for an outbox (`enqueue`).

    `data` should already be free of secrets; values under keys named like a secret, and the value
    of an AuthorizationKey or BasicAuthPassword setting, are masked anyway.
    """
    if EVENT_TYPE.fullmatch(event_type) is None or len(event_type) > 100:
        raise ValueError(f"webhook event type must be dotted lowercase words; got {event_type!r}")
    event_id = new_id()
    envelope = {
        "_id": event_id,
        "data": redact_data(data),
        "object": "action",
        "type": event_type,
        "createdAt": iso_utc(now),
    }
    return OutboxEvent(event_id, operator_id, station_id, event_type, _encoder.encode(envelope).decode(), now)


def enqueue(
    outbox: EventOutbox,
    *,
    operator_id: str,
    station_id: str | None,
    event_type: str,
    data: dict[str, Any],
    now: datetime,
) -> str:
    """Write one webhook event in the outbox's transaction; returns its id (the envelope's `_id`).
    The caller commits."""
    event = new_event(operator_id=operator_id, station_id=station_id, event_type=event_type, data=data, now=now)
    outbox.add(event)
    return event.id


def redact_data(value: Any) -> Any:
    """A copy of `value` with secrets masked: by key name, and as the value of a secret setting."""
    if isinstance(value, list | tuple):
        return [redact_data(item) for item in value]
    if not isinstance(value, dict):
        return value
    out = {name: REDACTED if _is_secret_name(name) else redact_data(item) for name, item in value.items()}
    if _names_secret_setting(out):
        for field in ("value", "attributeValue"):
            if field in out:
                out[field] = REDACTED
    return out


def _is_secret_name(name: object) -> bool:
    return isinstance(name, str) and _SECRET_NAME.search(name) is not None


def _names_secret_setting(item: dict[Any, Any]) -> bool:
    """`{"key": "AuthorizationKey", "value": ...}` and its 2.0.1 shapes (`SecurityCtrlr.BasicAuthPassword`)."""
    for field in ("key", "name", "variable"):
        named = item.get(field)
        if isinstance(named, dict):
            named = named.get("name")
        if isinstance(named, str) and named.rsplit(".", 1)[-1].lower() in _SECRET_SETTINGS:
            return True
    return False
