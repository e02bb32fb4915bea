"""Checking a configuration value against its type and limits, as station firmware does."""

import re
from urllib.parse import urlsplit

from switchyard.sim.profile import Limits

_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_HEX = re.compile(r"^[0-9a-fA-F]*$")


class InvalidValue(ValueError):
    """Why the firmware refuses a value (what a real station would put in its log)."""


def check_value(kind: str, value: str, limits: Limits, max_items: int | None = None) -> str:
    """The value as the firmware stores it, or InvalidValue. `kind` is a 1.6 type or a 2.0.1 dataType."""
    if kind in ("integer",):
        if not _INTEGER.match(value):
            raise InvalidValue(f"{value!r} is not an integer")
        _range(int(value), limits)
        return str(int(value))
    if kind == "decimal":
        if not _DECIMAL.match(value):
            raise InvalidValue(f"{value!r} is not a decimal")
        _range(float(value), limits)
        return value
    if kind == "boolean":
        if value.lower() not in ("true", "false"):
            raise InvalidValue(f"{value!r} is not true or false")
        return value.lower()
    if kind in ("enum", "OptionList"):
        if limits.values is not None and value not in limits.values:
            raise InvalidValue(f"{value!r} is not one of {', '.join(limits.values)}")
        return value
    if kind in ("csl", "SequenceList", "MemberList"):
        items = [] if value == "" else value.split(",")
        if any(item != item.strip() or not item for item in items):
            raise InvalidValue("list items must be non-empty and without spaces")
        if limits.values is not None:
            unknown = [item for item in items if item not in limits.values]
            if unknown:
                raise InvalidValue(f"{', '.join(unknown)} not allowed; allowed: {', '.join(limits.values)}")
        if len(set(items)) != len(items):
            raise InvalidValue("list items must not repeat")
        if max_items is not None and len(items) > max_items:
            raise InvalidValue(f"{len(items)} items; at most {max_items}")
        return value
    if kind == "hex":
        if not _HEX.match(value) or len(value) % 2:
            raise InvalidValue("not an even number of hex digits")
        _length(value, limits)
        return value.lower()
    if kind == "url":
        check_csms_url(value, limits.max_length)
        return value
    if kind == "dateTime":
        return value
    _length(value, limits)
    return value


def check_csms_url(value: str, max_length: int | None = None) -> None:
    """What firmware checks before it stores a CSMS URL (seed 000: no quotes, no whitespace, ws/wss)."""
    if value == "":
        return  # an empty profile slot
    if any(c.isspace() for c in value) or '"' in value or "'" in value:
        raise InvalidValue("URL must not contain whitespace or quotes")
    parts = urlsplit(value)
    if parts.scheme not in ("ws", "wss") or not parts.netloc:
        raise InvalidValue("URL must be ws:// or wss:// with a host")
    if max_length is not None and len(value) > max_length:
        raise InvalidValue(f"URL has {len(value)} characters; at most {max_length}")


def _range(number: float, limits: Limits) -> None:
    if limits.minimum is not None and number < limits.minimum:
        raise InvalidValue(f"{number:g} is below the minimum {limits.minimum:g}")
    if limits.maximum is not None and number > limits.maximum:
        raise InvalidValue(f"{number:g} is above the maximum {limits.maximum:g}")


def _length(value: str, limits: Limits) -> None:
    if limits.min_length is not None and len(value) < limits.min_length:
        raise InvalidValue(f"{len(value)} characters; at least {limits.min_length}")
    if limits.max_length is not None and len(value) > limits.max_length:
        raise InvalidValue(f"{len(value)} characters; at most {limits.max_length}")
