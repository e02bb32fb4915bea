"""Helpers for the webhook tests: subscriptions, events, and an independent signature check."""

import asyncio
import base64
import hashlib
import hmac
import ipaddress
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

from switchyard.core.webhooks.outbox import enqueue
from switchyard.core.webhooks.targets import IPAddress
from switchyard.store.outbox import SessionOutbox
from tests.api.helpers import bearer, expect
from tests.support import RunningNode


async def operator_of(node: RunningNode, key: str | None = None) -> str:
    return (await node.sy.registry.keys.authenticate(key or node.admin_key)).operator_id


async def subscribe(node: RunningNode, url: str, key: str | None = None, **fields: Any) -> dict[str, Any]:
    body = {"url": url, **fields}
    created: dict[str, Any] = expect(
        await node.api.post("/v1.1/webhooks", json=body, headers=bearer(key or node.admin_key)), 201
    )
    return created


async def emit(
    node: RunningNode,
    operator_id: str,
    event_type: str = "chargestation.update_configuration.requested",
    station_id: str | None = "5fb24edb64345616b6f3198d",
    data: dict[str, Any] | None = None,
) -> str:
    """An event written the way services write them: enqueue in a transaction they commit."""
    async with node.sy.db.transaction() as session:
        return enqueue(
            SessionOutbox(session),
            operator_id=operator_id,
            station_id=station_id,
            event_type=event_type,
            data=data if data is not None else {"n": 0},
            now=node.sy.clock.now(),
        )


def verify(secret: str, headers: dict[str, str], body: bytes, tolerance: float = 300) -> bool:
    """The Standard Webhooks check as a receiver writes it, from the specification, not from Switchyard."""
    assert secret.startswith("whsec_")
    key = base64.b64decode(secret.removeprefix("whsec_"))
    message_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance:
        return False
    signed = f"{message_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for candidate in headers["webhook-signature"].split(" "):
        version, _, signature = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(signature, expected):
            return True
    return False


async def event(node: RunningNode, event_id: str, key: str | None = None) -> dict[str, Any]:
    """The event as GET /v1.1/webhooks/events/{id} shows it, with deliveries and attempts."""
    found: dict[str, Any] = expect(
        await node.api.get(f"/v1.1/webhooks/events/{event_id}", headers=bearer(key or node.admin_key)), 200
    )
    return found


async def settled(
    node: RunningNode, event_id: str, status: str = "delivered", key: str | None = None, timeout: float = 10.0
) -> dict[str, Any]:
    """Wait until the event has `status` (as seen with `key`, by default the node's admin key); return it."""
    async with asyncio.timeout(timeout):
        while True:
            found = await event(node, event_id, key)
            if found["status"] == status:
                return found
            await asyncio.sleep(0.02)


async def first_attempt(node: RunningNode, event_id: str, timeout: float = 10.0) -> dict[str, Any]:
    """The first attempt of the event's first delivery, once it is recorded."""
    async with asyncio.timeout(timeout):
        while True:
            deliveries = (await event(node, event_id))["deliveries"]
            if deliveries and deliveries[0]["attempts"]:
                attempt: dict[str, Any] = deliveries[0]["attempts"][0]
                return attempt
            await asyncio.sleep(0.02)


async def eventually(condition: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    """Wait until `condition()` is true, checking every 20 ms."""
    async with asyncio.timeout(timeout):
        while True:
            if await condition():
                return
            await asyncio.sleep(0.02)


class FakeDns:
    """A resolver for the webhook target checks: `names` map to addresses (change them to rebind a
    name); any other name does not resolve, as on a machine without DNS. It notes every name asked."""

    def __init__(self, names: dict[str, list[str]] | None = None) -> None:
        self.names = dict(names or {})
        self.asked: list[str] = []
        # While set and not yet set free, every lookup waits for it (a resolver that does not answer).
        self.hold: asyncio.Event | None = None

    async def __call__(self, host: str, port: int) -> list[IPAddress]:
        self.asked.append(host)
        if self.hold is not None:
            await self.hold.wait()
        if host not in self.names:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [ipaddress.ip_address(address) for address in self.names[host]]


def dns_of(node: RunningNode) -> FakeDns:
    """The node's resolver, which the webhook tests' nodes get (tests/webhooks/conftest.py)."""
    resolver = node.sy.webhooks.targets.resolver
    assert isinstance(resolver, FakeDns)
    return resolver
