"""One delivery attempt over HTTP, what the tenant is told of its failure, and what follows a failure
(back-off with jitter, then giving up)."""

import asyncio
import random
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from http import HTTPStatus

import httpx

from switchyard.core.webhooks import signing as webhook_signing
from switchyard.core.webhooks.targets import AddressRefused, HostUnresolved

_ERROR_LENGTH = 300
# Answer bodies up to this size are read (and dropped) so their connection can be used again.
DRAIN_LIMIT = 16 * 1024


@dataclass(frozen=True, slots=True)
class Outcome:
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int
    # The receiver did not answer in time (a subscription whose attempts time out gets fewer slots).
    timed_out: bool = False

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
    client: httpx.AsyncClient, url: str, key: bytes, message_id: str, body: bytes, now: datetime, timeout: float
) -> Outcome:
    """POST a signed body; success is any 2xx. Never raises for what the network or receiver does.

    The whole attempt, from connecting to the answer's status line, gets `timeout` seconds (httpx's
    timeouts are per step, so a receiver trickling bytes could hold the slot for ever). What the
    tenant sees is the status code and a fixed reason, never the answer's body, so a URL that points
    at something internal cannot be used to read its answers; a short body is read and dropped
    all the same, so that the connection can carry the next delivery (see `_drain`)."""
    headers = webhook_signing.headers(key, message_id, int(now.timestamp()), body)
    started = time.perf_counter()
    status_code: int | None = None
    error: str | None = None
    timed_out = False
    try:
        async with asyncio.timeout(timeout):
            async with client.stream("POST", url, content=body, headers=headers) as response:
                status_code = response.status_code
                await _drain(response)
    except TimeoutError:
        if status_code is None:  # answered in time, and only its body was slow: that is an answer
            error, timed_out = f"timed out: no answer within {timeout:g} s", True
    except httpx.HTTPError as exc:
        error, timed_out = failure_reason(exc, timeout), isinstance(exc, httpx.TimeoutException)
    if status_code is not None and not 200 <= status_code < 300:
        error = status_reason(status_code)
    duration_ms = round((time.perf_counter() - started) * 1000)
    return Outcome(now, status_code, error, duration_ms, timed_out)


async def _drain(response: httpx.Response) -> None:
    """Read and drop an answer body of at most `DRAIN_LIMIT` bytes.

    A connection whose answer was not read to its end cannot carry another request, so leaving
    every body unread opened a new connection (and resolved and checked the target again) for every
    delivery. A longer body is left unread: its connection is closed, as before."""
    length = response.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > DRAIN_LIMIT):
        return
    read = 0
    try:
        async for chunk in response.aiter_raw():
            read += len(chunk)
            if read > DRAIN_LIMIT:
                return
    except httpx.HTTPError:
        return  # the status line is the answer; a body that breaks off changes nothing


def failed_before_sending(now: datetime, error: str) -> Outcome:
    return Outcome(now, None, error[:_ERROR_LENGTH], 0)


def status_reason(status_code: int) -> str:
    """`HTTP 500 Internal Server Error`: the code and its standard phrase, never the receiver's words."""
    try:
        text = f"HTTP {status_code} {HTTPStatus(status_code).phrase}"
    except ValueError:
        text = f"HTTP {status_code}"
    return text + " (redirects are not followed)" if 300 <= status_code < 400 else text


def failure_reason(exc: httpx.HTTPError, timeout: float) -> str:
    """A fixed reason for a failed request; the exception's own text (addresses, library details) is not shown."""
    causes = list(_causes(exc))
    for cause in causes:
        if isinstance(cause, AddressRefused):
            return cause.reason
    if isinstance(exc, httpx.ConnectTimeout):
        return f"timed out: could not connect within {timeout:g} s"
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out: no answer within {timeout:g} s"
    if any(isinstance(cause, ssl.SSLCertVerificationError) for cause in causes):
        return "TLS failed: the receiver's certificate was not accepted"
    if any(isinstance(cause, ssl.SSLError) for cause in causes):
        return "TLS failed: the handshake did not complete"
    if any(isinstance(cause, HostUnresolved) for cause in causes):
        return "connect failed: the host name did not resolve"
    if isinstance(exc, httpx.ConnectError):
        return "connect failed: the receiver could not be reached"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "failed: the receiver did not answer with valid HTTP"
    if isinstance(exc, httpx.ReadError | httpx.WriteError):
        return "failed: the connection was lost"
    return "failed: the request could not be sent"


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__
