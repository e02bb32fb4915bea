"""Which events a subscription wants: exact event types, or a prefix ending in `*`.

`chargestation.*` matches every event whose type starts with `chargestation.` (at any depth),
`chargestation.update_configuration.*` one action's lifecycle, and `*` everything. A `*` stands
only for whole trailing segments: `chargestation.*.accepted` and `charge*` are refused.
"""

import re
from collections.abc import Iterable

from switchyard.errors import InvalidInput

ALL = "*"
MAX_PATTERNS = 50
_SEGMENT = re.compile(r"[a-z0-9_\-]+")


def pattern_problem(pattern: str) -> str | None:
    """Why `pattern` is not a valid event type or pattern, or None."""
    if pattern == ALL:
        return None
    if not pattern:
        return "must not be empty"
    if len(pattern) > 100:
        return f"has {len(pattern)} characters; at most 100 allowed"
    segments = pattern.split(".")
    for index, segment in enumerate(segments):
        if segment == ALL:
            if index != len(segments) - 1:
                return "'*' may only stand for the last segment, as in 'chargestation.*'"
            continue
        if "*" in segment:
            return "'*' must be a whole segment, as in 'chargestation.*'"
        if not _SEGMENT.fullmatch(segment):
            return "segments are lowercase letters, digits, '_' and '-', separated by single dots"
    return None


def normalize_patterns(patterns: Iterable[str] | None) -> list[str]:
    """Checked patterns without duplicates (first occurrence kept); None means every event."""
    if patterns is None:
        return [ALL]
    out: list[str] = []
    for pattern in patterns:
        problem = pattern_problem(pattern)
        if problem is not None:
            raise InvalidInput(f"events: {pattern!r}: {problem}")
        if pattern not in out:
            out.append(pattern)
    if not out:
        raise InvalidInput("events: name at least one event type or pattern, or leave it out for every event")
    if len(out) > MAX_PATTERNS:
        raise InvalidInput(f"events: at most {MAX_PATTERNS} types or patterns; got {len(out)}")
    return out


def matches(patterns: Iterable[str], event_type: str) -> bool:
    for pattern in patterns:
        if pattern in (ALL, event_type):
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False
