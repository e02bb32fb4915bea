"""Which CSMS a simulated station connects to next: network profiles, priority, attempts, fallback.

OCPP 2.0.1 B10: after a reboot the station starts at the first slot of NetworkConfigurationPriority,
makes NetworkProfileConnectionAttempts tries per slot, moves to the next, and when every slot failed
falls back to the slot it last connected on (B10.FR.07). The 1.6 vendor method of seed 000 is the
same with keys: NetworkConnectionProfileN hold URLs, NetworkConfigurationPriority orders them.
"""

from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    slot: str
    url: str
    security_profile: int


class Route:
    """Cursor over the candidate targets; the station reports each attempt's outcome."""

    def __init__(self, attempts_per_slot: int = 1) -> None:
        self.attempts_per_slot = max(attempts_per_slot, 1)
        self.candidates: list[Target] = []
        self.last_good: Target | None = None
        # Failed connection attempts per slot since the last (re)boot: what a CSMS cannot see, shown to tests.
        self.failures: Counter[str] = Counter()
        self._index = 0
        self._attempts = 0
        self._falling_back = False

    def restart(self, candidates: list[Target], attempts_per_slot: int) -> None:
        """After a (re)boot: start again at the first entry of the priority list."""
        self.candidates = candidates
        self.attempts_per_slot = max(attempts_per_slot, 1)
        self.failures.clear()
        self._index = 0
        self._attempts = 0
        self._falling_back = False

    def next(self) -> Target | None:
        if self._falling_back and self.last_good is not None:
            return self.last_good
        if not self.candidates:
            return self.last_good
        return self.candidates[self._index % len(self.candidates)]

    def failed(self) -> None:
        tried = self.next()
        if tried is not None:
            self.failures[tried.slot] += 1
        if self._falling_back:
            # The fallback failed too: go round the whole list again (B10.FR.08).
            self._falling_back = False
            self._index = 0
            self._attempts = 0
            return
        self._attempts += 1
        if self._attempts < self.attempts_per_slot:
            return
        self._attempts = 0
        self._index += 1
        if self._index >= len(self.candidates) and self.last_good is not None:
            self._falling_back = True

    def succeeded(self, target: Target) -> None:
        self.last_good = target
        self._attempts = 0
        self._falling_back = False
        if target in self.candidates:
            self._index = self.candidates.index(target)
