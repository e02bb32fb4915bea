"""The checks a change request passes before anything is sent, and what it resolves to.

A request names a setting the way the operator knows it (a 1.6 key, a 2.0.1 `Component.Variable`,
or a 1.6 key on a 2.0.1 station) and gives a value. Here it is resolved against the station's last
reported configuration and the key catalogue into exactly what the sequencer will send, or refused
with a message that says what is wrong. Nothing here does IO.
"""

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from switchyard.clock import iso_utc
from switchyard.core import baseline
from switchyard.core.action_targets import SettingTarget
from switchyard.domain import ACTUAL
from switchyard.errors import Conflict, InvalidInput
from switchyard.protocol import catalogue
from switchyard.protocol.adapters import setting_rules
from switchyard.protocol.catalogue import Entry
from switchyard.protocol.setting_rules import SettingRules

_QUOTES_AND_SPACE = ("'", '"')


@dataclass(frozen=True, slots=True)
class Reported:
    """One setting of the last report, as the checks need it."""

    name: str
    value: str | None
    readonly: bool
    writeonly: bool = False
    characteristics: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class StationView:
    station_id: str
    identity: str
    ocpp_version: str
    read_at: datetime | None
    # Reported settings by lower-case name: all of them, or at least those `names_needed` lists.
    reported: dict[str, Reported]
    baseline_on: bool
    # Never read: why the newest attempt to read it failed, if one did.
    last_read_failure: str | None = None


@dataclass(frozen=True, slots=True)
class ResolvedChange:
    name: str
    value: str
    target: SettingTarget
    secret: bool
    value_before: str | None


def value_text(value: Any) -> str:
    """A JSON value as the station will hold it: strings as they are, numbers, booleans and lists as text."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return str(int(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            # Python's JSON parser takes NaN and Infinity; JSON has no such numbers.
            raise InvalidInput(f"value must be a finite number; got {value}")
        # Positional, as stations parse numbers: 0.00001, not repr's 1e-05.
        return format(Decimal(repr(value)), "f")
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        for item in value:
            if "," in item:
                # The station holds a list as comma-separated text: "A,B" would become two items.
                raise InvalidInput(f"value: list items must not contain commas; got {item!r}")
        return ",".join(value)
    raise InvalidInput(f"value must be a string (or a number, boolean or list of strings); got {_json_type(value)}")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list with items that are not strings"
    return type(value).__name__


def resolve_change(station: StationView, key: str, value: str, attribute_type: str | None = None) -> ResolvedChange:
    """What to send for `key`=`value`, or a 4xx error naming the check that failed."""
    key = key.strip()
    if not key:
        raise InvalidInput("key must not be empty")
    if station.read_at is None:
        read = f"(GET /v1.1/chargestations/{station.station_id}/configurations)"
        if station.last_read_failure is not None:
            raise Conflict(
                f"the configuration of {station.identity} could not be read: every read so far failed, the "
                f"last because {station.last_read_failure}; once the station can answer, request a read {read}"
            )
        raise Conflict(f"the configuration of {station.identity} has not been read yet; request a read {read} first")
    rules = setting_rules(station.ocpp_version)
    located = rules.locate(key, value, attribute_type)
    reported = station.reported.get(located.lookup)
    if reported is None and not located.may_be_unreported:
        raise _unknown(station, located.shown)
    name = reported.name if reported is not None else located.spelled
    resolved = _checked(station, rules, name, key, value, located.entry, reported, attribute_type or ACTUAL)
    if reported is not None:
        rules.check_reported(reported.name, reported.characteristics, value)
    return resolved


def _checked(
    station: StationView,
    naming: SettingRules,
    name: str,
    asked: str,
    value: str,
    entry: Entry | None,
    reported: Reported | None,
    attribute: str,
) -> ResolvedChange:
    ocpp = naming.version
    if reported is not None and reported.readonly:
        raise InvalidInput(f"{name} is read-only on {station.identity}")
    rules = entry.rules(ocpp) if entry is not None else None
    if rules is not None and rules.readonly is True and reported is None:
        raise InvalidInput(f"{name} is read-only")
    if entry is not None:
        reason = catalogue.check_value(entry, value, ocpp=ocpp, max_items=_max_items(station, entry))
        if reason is not None:
            raise InvalidInput(reason)
    if _url_valued(name, entry) and (
        not value.isprintable() or any(c.isspace() for c in value) or any(q in value for q in _QUOTES_AND_SPACE)
    ):
        raise InvalidInput(f"{name} holds a URL; it must not contain whitespace, quotes or invisible characters")
    if attribute == ACTUAL:
        # The baseline pins the value in use; a station's MinSet/MaxSet bounds are not that value.
        _check_pinned(station, name, value, naming.pin_key(name, entry))
    secret = entry is not None and entry.secret
    writeonly = bool((reported is not None and reported.writeonly) or (rules is not None and rules.writeonly))
    target = SettingTarget(
        name=name,
        attribute=attribute,
        kind=_kind(entry, reported, ocpp),
        writeonly=writeonly,
        secret=secret,
        # The station authenticates with this value from its next connection on (A01.FR.03).
        password=entry is not None and entry.secret and entry.category == "security" and writeonly,
        asked=asked if asked != name else None,
    )
    before = None if secret or writeonly or reported is None else reported.value
    return ResolvedChange(name, value, target, secret, before)


def _max_items(station: StationView, entry: Entry) -> int | None:
    if entry.max_items_key is None:
        return None
    reported = station.reported.get(entry.max_items_key.lower())
    text = reported.value if reported is not None else None
    # 0 (or absent) means the station did not say; the spec's "assume 1" would refuse too much.
    return int(text) if text and text.isdigit() and int(text) > 0 else None


def _url_valued(name: str, entry: Entry | None) -> bool:
    if entry is not None:
        return entry.url_valued
    # Vendor keys: CentralSystemURI, OcppCsmsUrl, BackendUrl...; on 2.0.1 the variable's name
    # (Vendor.BackendUrl[2]), not its component or instance.
    variable = name.rpartition(".")[2].partition("[")[0].lower()
    return variable.endswith(("url", "uri"))


def _check_pinned(station: StationView, name: str, value: str, key_16: str | None) -> None:
    if not station.baseline_on:
        return
    pinned = baseline.desired(key_16) if key_16 else None
    if pinned is None:
        return
    desired_text = baseline.as_text(pinned[1])
    if value.lower() == desired_text.lower():
        return  # setting the desired value enforces the pin instead of overriding it
    raise Conflict(
        f"{name} is pinned to {desired_text} by the recommended baseline (eDRV), which is on for this "
        "operator; change the desired value, or turn the baseline off "
        '(PATCH /v1.1/operators/{id} {"baselineEnabled": false}) to change it directly'
    )


def _kind(entry: Entry | None, reported: Reported | None, ocpp: catalogue.Ocpp) -> str | None:
    """The value's kind, for comparing the read-back: station characteristics first, then the catalogue."""
    data_type = (reported.characteristics or {}).get("dataType") if reported is not None else None
    if data_type:
        return str(data_type)
    if entry is not None:
        return entry.rules(ocpp).type
    return None


def _unknown(station: StationView, shown: str) -> InvalidInput:
    assert station.read_at is not None
    return InvalidInput(f"{shown} is not among the settings {station.identity} reported at {iso_utc(station.read_at)}")


def names_needed(ocpp_version: str, key: str) -> set[str]:
    """The reported settings (lower-case names) that resolving a change of `key` looks at.

    Lets the caller load those few rows instead of a station's whole configuration.
    """
    return setting_rules(ocpp_version).names_needed(key.strip())
