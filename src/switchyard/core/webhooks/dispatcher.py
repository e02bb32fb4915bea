"""The webhook worker: fans committed events out to subscriptions and delivers them, signed.

One task owns the queue (`queue.py`); each cycle it records finished attempts in one
transaction, fans out new events (when woken by a commit on this node, or by the poll timer for
events other processes wrote), and starts the due lane heads: up to `webhook_concurrency` POSTs at
once, and up to `webhook_concurrency_per_subscription` of one subscription (`slots.py`),
so a slow receiver delays only its own deliveries. It sleeps until the next retry is due, a POST
finishes, or a commit wakes it. POSTs go only to addresses the target policy allows
(`targets.py`, `transport.py`). All state is in the database: a stopped or crashed
node leaves its deliveries pending, and the next start picks them up. A POST whose result was not
recorded is sent again (at least once; receivers dedupe by `webhook-id`).
"""

import asyncio
import contextlib
import logging
import time
from datetime import datetime

import httpx
import structlog

from switchyard import __version__
from switchyard.cipher import SecretCipher, SecretKeyError
from switchyard.clock import Clock
from switchyard.core.webhooks import sender as webhook_sender
from switchyard.core.webhooks.queue import DeliveryQueue, Finished
from switchyard.core.webhooks.sender import RetryPolicy
from switchyard.core.webhooks.signing import secret_bytes
from switchyard.core.webhooks.slots import DeliverySlots
from switchyard.core.webhooks.targets import TargetPolicy
from switchyard.core.webhooks.transport import CheckedTransport
from switchyard.errors import InvalidInput
from switchyard.ports.webhooks import DueDelivery, WebhookStore
from switchyard.settings import Settings

log = structlog.get_logger("switchyard.webhooks")

FAN_OUT_BATCH = 500
# Seconds a stopping node waits for POSTs under way.
STOP_GRACE = 5.0
_ERROR_PAUSE = 1.0
_SECRET_CACHE = 10_000


class WebhookDispatcher:
    def __init__(
        self,
        store: WebhookStore,
        settings: Settings,
        clock: Clock,
        cipher: SecretCipher,
    ) -> None:
        self._clock = clock
        self._timeout = settings.webhook_timeout
        self._poll_interval = settings.webhook_poll_interval
        # Where webhooks may go; subscriptions are checked with it, and every connection.
        self.targets = TargetPolicy(settings.webhook_allowed_networks)
        self._slots = DeliverySlots(settings.webhook_concurrency, settings.webhook_concurrency_per_subscription)
        self.cipher = cipher
        policy = RetryPolicy(
            settings.webhook_retry_base, settings.webhook_retry_max_delay, settings.webhook_give_up_after
        )
        self.queue = DeliveryQueue(store, policy)
        self._wake = asyncio.Event()
        self._fan_out_wanted = True
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._finished: list[Finished] = []
        self._keys: dict[tuple[str, str], bytes] = {}

    def notify(self) -> None:
        """New events were committed: fan them out now rather than at the next poll (the node has the
        store call this after every commit that wrote events)."""
        self._fan_out_wanted = True
        self._wake.set()

    def start(self) -> None:
        self._stopping = False
        # httpx logs every request at INFO: a line per delivery attempt would drown the log.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        self._client = httpx.AsyncClient(
            timeout=self._timeout,
            # A 3xx is a failed attempt, never followed: a receiver does not get to send the node elsewhere.
            follow_redirects=False,
            transport=CheckedTransport(self.targets, self._slots.total),
            headers={"user-agent": f"Switchyard/{__version__} (webhooks)"},
        )
        self._task = asyncio.create_task(self._run(), name="webhook-dispatcher")

    async def stop(self) -> None:
        """Start nothing new; let POSTs under way finish (up to a few seconds, then they are abandoned and
        sent again after a restart); record what finished."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None
        running = [task for task in self._in_flight.values() if not task.done()]
        if running:
            await asyncio.wait(running, timeout=min(self._timeout, STOP_GRACE))
        for task in self._in_flight.values():
            task.cancel()
        await asyncio.gather(*self._in_flight.values(), return_exceptions=True)
        self._in_flight.clear()
        self._slots = DeliverySlots(self._slots.total, self._slots.per_subscription)
        if self._finished:
            with contextlib.suppress(Exception):
                await self.queue.record(self._finished, self._clock.now())
            self._finished = []
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _run(self) -> None:
        next_poll = time.monotonic()
        next_due: datetime | None = None
        repaired = False
        while not self._stopping:
            wait = next_poll - time.monotonic()
            if next_due is not None:
                wait = min(wait, (next_due - self._clock.now()).total_seconds())
            if wait > 0 and not self._finished:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await self._wake.wait()
            self._wake.clear()
            if self._stopping:
                break
            if time.monotonic() >= next_poll:
                self._fan_out_wanted = True
                next_poll = time.monotonic() + self._poll_interval
            try:
                if not repaired:
                    await self.queue.repair_lanes(self._clock.now())
                    repaired = True
                next_due = await self._cycle()
            except Exception:
                log.exception("webhook dispatch cycle failed")
                next_due = None
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(_ERROR_PAUSE):
                        await self._wait_for_stop()

    async def _wait_for_stop(self) -> None:
        while not self._stopping:
            await self._wake.wait()
            self._wake.clear()

    async def _cycle(self) -> datetime | None:
        """One round; returns when the next retry is due (None: only a wake-up or the poll brings work)."""
        if self._finished:
            finished, self._finished = self._finished, []
            try:
                given_up = await self.queue.record(finished, self._clock.now())
            except Exception:
                self._finished[:0] = finished  # kept, and their deliveries stay busy, until recorded
                raise
            for item in given_up:
                log.warning(
                    "webhook delivery failed for good",
                    event=item.delivery.event_id,
                    webhook=item.delivery.subscription_id,
                    attempts=item.delivery.attempts + 1,
                    last_error=item.outcome.error,
                )
            for item in finished:
                if self._in_flight.pop(item.delivery.id, None) is not None:
                    self._slots.finished(item.delivery.subscription_id, item.outcome.timed_out)
        if self._fan_out_wanted:
            self._fan_out_wanted = False
            while await self.queue.fan_out(self._clock.now(), FAN_OUT_BATCH) == FAN_OUT_BATCH:
                pass
        now = self._clock.now()
        free = self._slots.free()
        if free > 0:
            room = self._slots.room()
            due = await self.queue.due(now, free, list(self._in_flight), self._slots.per_subscription, room)
            for delivery in due:
                self._slots.started(delivery.subscription_id)
                task = asyncio.create_task(self._deliver(delivery), name="webhook-delivery")
                self._in_flight[delivery.id] = task
        # Asked even when every slot is taken: a retry coming due must find the loop awake.
        return await self.queue.next_due(now)

    async def _deliver(self, delivery: DueDelivery) -> None:
        now = self._clock.now()
        try:
            outcome = await self._attempt(delivery, now)
        except Exception as exc:  # a bug must not leave the lane busy for ever
            log.exception("webhook delivery failed unexpectedly", delivery=delivery.id)
            outcome = webhook_sender.failed_before_sending(now, f"internal error: {type(exc).__name__}")
        self._finished.append(Finished(delivery, outcome))
        self._wake.set()

    async def _attempt(self, delivery: DueDelivery, now: datetime) -> webhook_sender.Outcome:
        assert self._client is not None
        try:
            key = self._key(delivery)
        except (SecretKeyError, InvalidInput, ValueError) as exc:
            return webhook_sender.failed_before_sending(now, f"cannot sign: {exc}")
        body = delivery.payload.encode()
        return await webhook_sender.attempt(
            self._client, delivery.url, key, delivery.event_id, body, now, self._timeout
        )

    def _key(self, delivery: DueDelivery) -> bytes:
        cached = (delivery.subscription_id, delivery.secret_ciphertext)
        key = self._keys.get(cached)
        if key is None:
            if len(self._keys) >= _SECRET_CACHE:
                self._keys.clear()
            key = secret_bytes(self.cipher.decrypt(delivery.secret_ciphertext, delivery.subscription_id))
            self._keys[cached] = key
        return key
