"""Faults a simulated station can show, per station or for a fraction of a fleet.

drop=0.5              drop the connection at random, on average 0.5 times a minute
slow=2                answer every CSMS call 2 seconds late
ignore=Reset          never answer Reset (repeat the option for more actions)
lose=ChangeConfiguration    do what the call asks, but never answer it (a lost answer)
error=Reset:InternalError   answer Reset with a CALLERROR
boot=pending|rejected the station's boot never completes: `pending` keeps re-sending
                      BootNotification and ignores the answer; `rejected` hangs up after sending it
sticky                accept every configuration change but keep the old value
flap=10               stay connected 10 s, drop, reconnect, again and again
fallback              take new network profiles and priority, but reach only the CSMS last connected to
                      (same slot, same URL; before the first connection, the URL the station starts
                      with): after a reboot every other entry fails (NetworkProfileConnectionAttempts
                      times each in 2.0.1, twice in 1.6) and the station falls back and boots there,
                      its network keys or variables still showing the new priority
fraction=0.1          (fleet only) give these faults to 10% of the stations, chosen by a seed
"""

import random
from dataclasses import dataclass, field

from switchyard.errors import InvalidInput


@dataclass(frozen=True)
class Faults:
    drop_per_minute: float = 0.0
    answer_delay: float = 0.0
    ignore: frozenset[str] = frozenset()
    lose: frozenset[str] = frozenset()
    call_errors: dict[str, str] = field(default_factory=dict)
    boot: str | None = None
    sticky: bool = False
    flap_seconds: float = 0.0
    fallback: bool = False
    fraction: float = 1.0

    @property
    def any(self) -> bool:
        return bool(
            self.drop_per_minute
            or self.answer_delay
            or self.ignore
            or self.lose
            or self.call_errors
            or self.boot
            or self.sticky
            or self.flap_seconds
            or self.fallback
        )

    def applies_to(self, index: int, seed: int = 0) -> bool:
        """Whether station `index` of a fleet gets these faults (stable for a given seed)."""
        return random.Random(seed * 1_000_003 + index).random() < self.fraction  # noqa: S311


NO_FAULTS = Faults()
FAULT_NAMES = ("drop", "slow", "ignore", "lose", "error", "boot", "sticky", "flap", "fallback", "fraction")


def parse_faults(text: str) -> Faults:
    """Faults from `drop=0.5,ignore=Reset,error=Reset:InternalError,sticky,...` (see the module doc)."""
    values: dict[str, object] = {}
    ignore: set[str] = set()
    lose: set[str] = set()
    errors: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition("=")
        try:
            if name == "drop":
                values["drop_per_minute"] = _positive(float(value), part)
            elif name == "slow":
                values["answer_delay"] = _positive(float(value), part)
            elif name == "ignore":
                ignore.add(_action(value, part))
            elif name == "lose":
                lose.add(_action(value, part))
            elif name == "error":
                action, _, code = value.partition(":")
                errors[_action(action, part)] = code or "InternalError"
            elif name == "boot":
                if value not in ("pending", "rejected"):
                    raise InvalidInput(f"{part}: boot is pending or rejected")
                values["boot"] = value
            elif name == "sticky":
                values["sticky"] = True
            elif name == "fallback":
                values["fallback"] = True
            elif name == "flap":
                values["flap_seconds"] = _positive(float(value), part)
            elif name == "fraction":
                fraction = float(value)
                if not 0 < fraction <= 1:
                    raise InvalidInput(f"{part}: fraction is between 0 and 1")
                values["fraction"] = fraction
            else:
                raise InvalidInput(f"unknown fault {name!r}; known: {', '.join(FAULT_NAMES)}")
        except ValueError:
            raise InvalidInput(f"{part}: not a number") from None
    return Faults(ignore=frozenset(ignore), lose=frozenset(lose), call_errors=errors, **values)  # type: ignore[arg-type]


def _positive(number: float, part: str) -> float:
    if number <= 0:
        raise InvalidInput(f"{part}: must be above zero")
    return number


def _action(name: str, part: str) -> str:
    if not name or not name.isalnum():
        raise InvalidInput(f"{part}: name an OCPP action, e.g. ignore=Reset")
    return name
