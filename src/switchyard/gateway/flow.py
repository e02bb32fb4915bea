"""How much one station may make the gateway read: a message and a byte budget, refilled over time.

A station that sends faster than its budget is not cut off; its socket is simply not read until the
budget has refilled (TCP then holds the station back), so a flood from one station costs the others
nothing. Real stations send a few messages a minute, and at boot a burst that the allowance covers.
"""

import math
import time
from dataclasses import dataclass

# What `spend` returns for a station that sent twice its allowance without pausing: it ignores
# back-pressure (or filled a read buffer that large before it could feel it).
OVERRUN = math.inf


@dataclass(frozen=True, slots=True)
class FlowLimits:
    messages_per_second: float
    message_burst: float
    bytes_per_second: float
    byte_burst: float


class FrameBudget:
    """Two token buckets (messages and bytes) in three floats: one per station connection."""

    __slots__ = ("_at", "_bytes", "_messages")

    def __init__(self, limits: FlowLimits) -> None:
        self._messages = limits.message_burst
        self._bytes = limits.byte_burst
        self._at = time.monotonic()

    def spend(self, limits: FlowLimits, size: int) -> float:
        """Charge one message of `size` bytes: the seconds to stop reading for (0.0 within budget), or OVERRUN."""
        now = time.monotonic()
        elapsed = now - self._at
        self._at = now
        messages = min(limits.message_burst, self._messages + elapsed * limits.messages_per_second) - 1.0
        spent_bytes = min(limits.byte_burst, self._bytes + elapsed * limits.bytes_per_second) - size
        self._messages, self._bytes = messages, spent_bytes
        if messages >= 0.0 and spent_bytes >= 0.0:
            return 0.0
        if messages < -limits.message_burst or spent_bytes < -limits.byte_burst:
            return OVERRUN
        # In debt: wait until both buckets are back at zero.
        return max(-messages / limits.messages_per_second, -spent_bytes / limits.bytes_per_second)
