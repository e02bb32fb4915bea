"""How many POSTs may be in flight: in all, and per subscription, so a slow receiver only delays itself.

Each subscription has its own budget (`webhook_concurrency_per_subscription`) within the node's
(`webhook_concurrency`). A subscription whose last attempt timed out gets one slot until an
attempt of it ends otherwise: a receiver that hangs then holds one slot, not its whole budget, and
a recovered one gets its budget back with its next answer.
"""

from collections import Counter


class DeliverySlots:
    def __init__(self, total: int, per_subscription: int) -> None:
        self.total = total
        self.per_subscription = min(per_subscription, total)
        self._in_flight: Counter[str] = Counter()
        self._timing_out: set[str] = set()

    @property
    def in_flight(self) -> int:
        return self._in_flight.total()

    def free(self) -> int:
        """Slots free in all."""
        return self.total - self.in_flight

    def budget(self, subscription_id: str) -> int:
        return 1 if subscription_id in self._timing_out else self.per_subscription

    def room(self) -> dict[str, int]:
        """How many more POSTs each subscription with any in flight, or timing out, may start now (0: none).

        A subscription not named may start `per_subscription`."""
        named = set(self._in_flight) | self._timing_out
        return {s: max(0, self.budget(s) - self._in_flight[s]) for s in sorted(named)}

    def started(self, subscription_id: str) -> None:
        self._in_flight[subscription_id] += 1

    def finished(self, subscription_id: str, timed_out: bool) -> None:
        self._in_flight[subscription_id] -= 1
        if self._in_flight[subscription_id] <= 0:
            del self._in_flight[subscription_id]
        if timed_out:
            self._timing_out.add(subscription_id)
        else:
            self._timing_out.discard(subscription_id)
