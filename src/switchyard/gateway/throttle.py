"""A failure budget for station logins: per identity and per source address, with a growing delay.

Each key (an identity, or a source address; IPv6 sources by their /64) may fail a few times for
free. After that, every failure makes the next attempt wait longer (doubling up to `max_delay`), and
an attempt before its time is refused with 429 and `Retry-After` without looking at its credentials,
so guessing a password costs real time however many connections are opened. A correct password
after the delay gets in as usual: the delay slows an attacker, it does not lock the station out.
A key with no failure for `forget_after` seconds starts afresh; at most `max_keys` keys are kept
(the least recently failed go first), so the table itself is bounded.
"""

import ipaddress
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ThrottleRules:
    free_failures: int = 5
    base_delay: float = 1.0
    max_delay: float = 300.0
    forget_after: float = 900.0
    max_keys: int = 100_000


@dataclass(slots=True)
class _Record:
    failures: int
    last_failure: float
    not_before: float


@dataclass(frozen=True, slots=True)
class Trip:
    """A key went past its free failures with this failure (reported once, when it happens)."""

    key: str
    failures: int
    retry_after: float


class FailureThrottle:
    def __init__(self, rules: ThrottleRules | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.rules = rules or ThrottleRules()
        self._clock = clock
        self._records: OrderedDict[str, _Record] = OrderedDict()

    def wait(self, *keys: str | None) -> float:
        """Seconds until an attempt under these keys may be looked at (0.0: now)."""
        now = self._clock()
        longest = 0.0
        for key in keys:
            record = self._current(key, now)
            if record is not None:
                longest = max(longest, record.not_before - now)
        return longest

    def failed(self, *keys: str | None) -> list[Trip]:
        """Count a failure under each key; the keys this failure took past their free failures."""
        now = self._clock()
        rules = self.rules
        trips = []
        for key in keys:
            if key is None:
                continue
            record = self._current(key, now) or _Record(0, now, now)
            record.failures += 1
            record.last_failure = now
            over = record.failures - rules.free_failures
            if over > 0:
                delay = min(rules.max_delay, rules.base_delay * 2.0 ** min(over - 1, 30))
                record.not_before = now + delay
                if over == 1:
                    trips.append(Trip(key, record.failures, delay))
            self._records[key] = record
            self._records.move_to_end(key)
        while len(self._records) > rules.max_keys:
            self._records.popitem(last=False)
        return trips

    def failing(self, key: str) -> bool:
        """Whether this key has failed lately (and not succeeded since)."""
        return self._current(key, self._clock()) is not None

    def succeeded(self, key: str) -> None:
        """A correct login: its identity starts afresh (its source address does not: it may be shared)."""
        self._records.pop(key, None)

    def _current(self, key: str | None, now: float) -> _Record | None:
        if key is None:
            return None
        record = self._records.get(key)
        if record is not None and now - record.last_failure > self.rules.forget_after:
            del self._records[key]
            return None
        return record


def identity_key(identity: str) -> str:
    return f"identity:{identity}"


def source_key(address: str | None) -> str | None:
    """The key of a source address: IPv4 as is, IPv6 by its /64 (one host can have a whole /64)."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return f"source:{address}"
    if ip.version == 6:
        mapped = ip.ipv4_mapped
        if mapped is not None:
            return f"source:{mapped}"
        return f"source:{ipaddress.ip_network(f'{ip}/64', strict=False)}"
    return f"source:{ip}"
