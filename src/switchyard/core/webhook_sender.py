"""One delivery attempt over HTTP, and what follows a failure (back-off with jitter, then giving up)."""

import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from switchyard.core import webhook_signing

# Bytes of a refusing receiver's answer kept with the attempt, to say why.
_BODY_KEPT = 200
_ERROR_LENGTH = 300


@dataclass(frozen=True, slots=True)
class Outcome:
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    base: float
    max_delay: float
    give_up_after: float

    def delay(self, failures: int, jitter: float) -> float:
        """Seconds before the next try after `failures` failed ones; `jitter` in [0, 1) spreads it by ±20%."""
        exponential = self.base * 2.0 ** min(failures - 1, 40)
        return min(self.max_delay, exponential * (0.8 + 0.4 * jitter))

    def next_attempt(self, created_at: datetime, failures: int, now: datetime) -> datetime | None:
        """When to try again, or None once the delivery is older than the give-up age."""
        if (now - created_at).total_seconds() >= self.give_up_after:
            return None
        return now + timedelta(seconds=self.delay(failures, random.random()))  # noqa: S311  # jitter, not a secret


async def attempt(
    client: httpx.AsyncClient, url: str, key: bytes, message_id: str, body: bytes, now: datetime
) -> Outcome:
    """POST a signed body; success is any 2xx. Never raises for what the network or receiver does."""
    headers = webhook_signing.headers(key, message_id, int(now.timestamp()), body)
    started = time.perf_counter()
    status_code: int | None = None
    error: str | None = None
    try:
        async with client.stream("POST", url, content=body, headers=headers) as response:
            status_code = response.status_code
            if not 200 <= status_code < 300:
                error = f"HTTP {status_code}" + await _excerpt(response)
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}".rstrip(": ") or type(exc).__name__
    duration_ms = round((time.perf_counter() - started) * 1000)
    return Outcome(now, status_code, error[:_ERROR_LENGTH] if error else None, duration_ms)


def failed_before_sending(now: datetime, error: str) -> Outcome:
    return Outcome(now, None, error[:_ERROR_LENGTH], 0)


async def _excerpt(response: httpx.Response) -> str:
    kept = b""
    async for chunk in response.aiter_raw():
        kept += chunk
        if len(kept) >= _BODY_KEPT:
            break
    text = " ".join(kept[:_BODY_KEPT].decode("utf-8", "replace").split())
    return f": {text}" if text else ""
