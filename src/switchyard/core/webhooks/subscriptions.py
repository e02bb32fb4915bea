"""Webhook subscriptions of the caller's operator: read with `read`, changed with `admin`.

Another operator's subscription does not exist for the caller. The signing secret is encrypted at
rest and shown once, in the answer to its creation, when Switchyard generated it. A URL must be
well formed (`check_url`) and lead somewhere webhooks may go (`TargetPolicy.check_target`), when a
subscription is created and whenever its URL changes.
"""

import ipaddress
import re
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import httpx

from switchyard.cipher import SecretCipher
from switchyard.clock import Clock
from switchyard.core.principal import Principal
from switchyard.core.webhooks.patterns import normalize_patterns
from switchyard.core.webhooks.queue import refresh_event_status
from switchyard.core.webhooks.signing import generate_secret, secret_bytes
from switchyard.core.webhooks.targets import TargetPolicy
from switchyard.domain import Scope
from switchyard.errors import InvalidInput, NotFound
from switchyard.ids import is_id, new_id
from switchyard.ports.webhooks import SubscriptionRecord, SubscriptionRows, WebhookStore

URL_RULE = "must be an http or https URL with a host, like https://example.com/webhooks"
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class CreatedSubscription:
    subscription: SubscriptionRecord
    # Set when Switchyard generated the secret: shown this once, stored only encrypted.
    generated_secret: str | None


# A DNS name (labels of letters, digits and inner hyphens; underscores occur in real names) or an IP.
_HOST_NAME = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9_-]{1,63}(?<!-))*\.?")


def check_url(url: str) -> str:
    """The URL as deliveries will use it, or why not: parsed by httpx, which is what sends them."""
    url = url.strip()
    shown = url if len(url) <= 100 else url[:100] + "…"
    refused = InvalidInput(f"url: {URL_RULE}; got {shown!r}")
    if not url.isprintable() or " " in url:
        raise InvalidInput(f"url: must not contain spaces or invisible characters; got {shown!r}")
    port_refused = InvalidInput(f"url: the port must be between 1 and 65535; got {shown!r}")
    try:
        parsed = httpx.URL(url)
        parts = urlsplit(url)
    except (httpx.InvalidURL, ValueError):
        raise refused from None
    try:
        port = parts.port
    except ValueError:
        raise port_refused from None
    if parsed.scheme not in ("http", "https") or not _valid_host(parsed.host):
        raise refused
    if port == 0 or (port is None and parts.netloc.endswith(":")):
        raise port_refused
    if parsed.userinfo:
        # The URL is shown by the API; receivers authenticate requests by their signature instead.
        raise InvalidInput("url: must not contain credentials; verify the webhook-signature header instead")
    return url


def _valid_host(host: str) -> bool:
    if not host:
        return False
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    return len(ascii_host) <= 253 and _HOST_NAME.fullmatch(ascii_host) is not None


def _description(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > 300:
        raise InvalidInput(f"description: has {len(value)} characters; at most 300 allowed")
    return value or None


class Subscriptions:
    def __init__(self, store: WebhookStore, clock: Clock, cipher: SecretCipher, targets: TargetPolicy) -> None:
        self._store = store
        self._clock = clock
        self._cipher = cipher
        self._targets = targets

    async def _checked_url(self, url: str) -> str:
        url = check_url(url)
        parsed = httpx.URL(url)
        await self._targets.check_target(parsed.raw_host.decode("ascii"), parsed.port or _DEFAULT_PORTS[parsed.scheme])
        return url

    async def list_for(self, who: Principal) -> list[SubscriptionRecord]:
        who.require(Scope.READ)
        async with self._store.reading() as tx:
            return await tx.subscriptions.of_operator(who.operator_id)

    async def get(self, who: Principal, subscription_id: str) -> SubscriptionRecord:
        who.require(Scope.READ)
        async with self._store.reading() as tx:
            return await own_subscription(tx.subscriptions, who, subscription_id)

    async def create(
        self,
        who: Principal,
        url: str,
        events: list[str] | None = None,
        secret: str | None = None,
        description: str | None = None,
    ) -> CreatedSubscription:
        who.require(Scope.ADMIN)
        url = await self._checked_url(url)
        patterns = normalize_patterns(events)
        generated = None
        if secret is None:
            secret = generated = generate_secret()
        else:
            secret_bytes(secret)
        now = self._clock.now()
        subscription_id = new_id()
        subscription = SubscriptionRecord(
            id=subscription_id,
            operator_id=who.operator_id,
            url=url,
            events=patterns,
            description=_description(description),
            secret_ciphertext=self._cipher.encrypt(secret, subscription_id),
            created_at=now,
            updated_at=now,
        )
        async with self._store.transaction() as tx:
            await tx.subscriptions.add(subscription)
        return CreatedSubscription(subscription, generated)

    async def update(self, who: Principal, subscription_id: str, changes: dict[str, Any]) -> SubscriptionRecord:
        """Change `url`, `events`, `secret` (a new one, given by the caller) or `description`."""
        who.require(Scope.ADMIN)
        url = None
        if "url" in changes:
            # Another operator's subscription is not found before its URL is looked at; resolving the
            # host may take a moment, so not inside the transaction.
            async with self._store.reading() as tx:
                await own_subscription(tx.subscriptions, who, subscription_id)
            url = await self._checked_url(changes["url"])
        async with self._store.transaction() as tx:
            subscription = await own_subscription(tx.subscriptions, who, subscription_id)
            values: dict[str, Any] = {}
            if url is not None:
                values["url"] = url
            if "events" in changes:
                # Applies to events dispatched from now on; deliveries already made keep going.
                values["events"] = normalize_patterns(changes["events"])
            if "secret" in changes:
                secret_bytes(changes["secret"])
                values["secret_ciphertext"] = self._cipher.encrypt(changes["secret"], subscription.id)
            if "description" in changes:
                values["description"] = _description(changes["description"])
            values["updated_at"] = self._clock.now()
            await tx.subscriptions.update(subscription.id, values)
            return replace(subscription, **values)

    async def delete(self, who: Principal, subscription_id: str) -> None:
        """Its pending deliveries, and the record of past ones, go with it; its events' statuses follow."""
        who.require(Scope.ADMIN)
        async with self._store.transaction() as tx:
            subscription = await own_subscription(tx.subscriptions, who, subscription_id)
            touched = await tx.subscriptions.delete(subscription.id)
            await refresh_event_status(tx, touched)


async def own_subscription(rows: SubscriptionRows, who: Principal, subscription_id: str) -> SubscriptionRecord:
    found = await rows.get(subscription_id) if is_id(subscription_id) else None
    if found is None or found.operator_id != who.operator_id:
        raise NotFound(f"webhook {subscription_id} not found")
    return found
