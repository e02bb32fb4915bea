"""Requests per API key: a token bucket each, so one client's loop cannot take the API from the others.

A key may make `rate` requests a second with bursts of `burst`; a request over that is answered 429
with `Retry-After` and costs nothing more. Buckets of keys not seen for a while are dropped once the
table is full, so it stays bounded whatever the number of keys.
"""

import math
import time
from collections import OrderedDict
from collections.abc import Callable


class KeyRates:
    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000
    ) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str) -> int:
        """Spend one request of `key`: 0 when it may go on, else the whole seconds to wait."""
        now = self._clock()
        tokens, at = self._buckets.get(key, (self._burst, now))
        tokens = min(self._burst, tokens + (now - at) * self._rate)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return max(1, math.ceil((1.0 - tokens) / self._rate))
        self._buckets[key] = (tokens - 1.0, now)
        self._buckets.move_to_end(key)
        while len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)
        return 0
