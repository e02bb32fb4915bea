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
from switchyard.protocol.catalogue import Entry
from switchyard.protocol.setting_names import Address, parse_address

KEY_MAX_16 = 50
ATTRIBUTE_TYPES = ("Actual", "Target", "MinSet", "MaxSet")
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
    if station.ocpp_version == "1.6":
        if attribute_type is not None:
            raise InvalidInput("attributeType applies to OCPP 2.0.1 variables only")
        return _resolve_16(station, key, value)
    return _resolve_201(station, key, value, attribute_type or "Actual")


def _resolve_16(station: StationView, key: str, value: str) -> ResolvedChange:
    if len(key) > KEY_MAX_16:
        raise InvalidInput(f"key is {len(key)} characters; OCPP 1.6 keys are at most {KEY_MAX_16}")
    if len(value) > catalogue.VALUE_MAX_16:
        raise InvalidInput(f"value is {len(value)} characters; OCPP 1.6 values are at most {catalogue.VALUE_MAX_16}")
    entry = catalogue.for_key_16(key)
    reported = station.reported.get(key.lower())
    writeonly = entry is not None and entry.rules("1.6").writeonly
    if reported is None and not writeonly:
        # A write-only key (AuthorizationKey) is never reported, so its absence proves nothing.
        raise _unknown(station, key)
    name = reported.name if reported is not None else (entry.key if entry and entry.key else key)
    return _checked(station, name, key, value, entry, reported, ACTUAL, "1.6")


def _resolve_201(station: StationView, key: str, value: str, attribute_type: str) -> ResolvedChange:
    if attribute_type not in ATTRIBUTE_TYPES:
        raise InvalidInput(f"attributeType must be one of {', '.join(ATTRIBUTE_TYPES)}; got {attribute_type!r}")
    if len(value) > catalogue.SET_VALUE_MAX_201:
        raise InvalidInput(
            f"value is {len(value)} characters; OCPP 2.0.1 SetVariables values are at most "
            f"{catalogue.SET_VALUE_MAX_201}"
        )
    address, entry = _address_201(key)
    reported = station.reported.get(address.name.lower())
    if reported is None:
        raise _unknown(station, key if key == address.name else f"{key} ({address.name} in OCPP 2.0.1)")
    resolved = _checked(station, reported.name, key, value, entry, reported, attribute_type, "2.0.1")
    _check_characteristics(reported, value)
    return resolved


def _address_201(key: str) -> tuple[Address, Entry | None]:
    """The 2.0.1 address a name stands for: `Component.Variable` as given, or a 1.6 key's equivalent."""
    address = parse_address(key)
    if address is not None:
        for part in (address.component, address.variable, address.component_instance, address.instance):
            if part is not None and len(part) > 50:
                raise InvalidInput(f"{key}: OCPP 2.0.1 component and variable names are at most 50 characters")
        return address, catalogue.for_variable_201(address.component, address.variable, address.instance)
    entry = catalogue.for_key_16(key)
    if entry is None or entry.v201 is None:
        why = (
            f"the 1.6 key {entry.key} has no OCPP 2.0.1 equivalent"
            if entry is not None
            else "neither a Component.Variable name nor a standard 1.6 key"
        )
        raise InvalidInput(f"{key} is {why}; OCPP 2.0.1 stations take Component.Variable[instance] names")
    variable = entry.v201
    return Address(variable.component, variable.variable, instance=variable.instance), entry


def _checked(
    station: StationView,
    name: str,
    asked: str,
    value: str,
    entry: Entry | None,
    reported: Reported | None,
    attribute: str,
    ocpp: catalogue.Ocpp,
) -> ResolvedChange:
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
        _check_pinned(station, name, value, entry, ocpp)
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


def _check_pinned(station: StationView, name: str, value: str, entry: Entry | None, ocpp: catalogue.Ocpp) -> None:
    if not station.baseline_on:
        return
    key_16 = entry.key if entry is not None else (name if ocpp == "1.6" else None)
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


def _check_characteristics(reported: Reported, value: str) -> None:
    """A 2.0.1 station's own dataType, limits and valuesList for the variable."""
    traits = reported.characteristics or {}
    data_type = traits.get("dataType")
    name = reported.name
    if data_type in ("integer", "decimal"):
        number = catalogue.parse_number(data_type, value)
        if number is None:
            noun = "an integer" if data_type == "integer" else "a decimal number"
            raise InvalidInput(f"{name} must be {noun} on this station; got {value!r}")
        if data_type == "integer" and not catalogue.INT32_MIN <= number <= catalogue.INT32_MAX:
            raise InvalidInput(
                f"{name} must fit a 32-bit integer ({catalogue.INT32_MIN} to {catalogue.INT32_MAX}); got {value}"
            )
        low, high = traits.get("minLimit"), traits.get("maxLimit")
        if (low is not None and number < low) or (high is not None and number > high):
            raise InvalidInput(f"{name} must be between {low} and {high} on this station; got {value}")
    elif data_type == "boolean" and value.lower() not in ("true", "false"):
        raise InvalidInput(f"{name} must be true or false; got {value!r}")
    elif data_type in ("OptionList", "MemberList", "SequenceList") and traits.get("valuesList"):
        allowed = [item.strip() for item in str(traits["valuesList"]).split(",")]
        items = [value] if data_type == "OptionList" else [v for v in value.split(",") if v]
        for item in items:
            if item not in allowed:
                raise InvalidInput(f"{name}: {item!r} is not one of {', '.join(allowed)}")
    elif data_type == "string" and traits.get("maxLimit") is not None and len(value) > traits["maxLimit"]:
        raise InvalidInput(f"{name} is at most {traits['maxLimit']} characters on this station")


def _unknown(station: StationView, shown: str) -> InvalidInput:
    assert station.read_at is not None
    return InvalidInput(f"{shown} is not among the settings {station.identity} reported at {iso_utc(station.read_at)}")


def names_needed(ocpp_version: str, key: str) -> set[str]:
    """The reported settings (lower-case names) that resolving a change of `key` looks at.

    Lets the caller load those few rows instead of a station's whole configuration.
    """
    key = key.strip()
    names = {key.lower()}
    if ocpp_version == "1.6":
        entry = catalogue.for_key_16(key)
    else:
        address = parse_address(key)
        if address is not None:
            entry = catalogue.for_variable_201(address.component, address.variable, address.instance)
            names.add(address.name.lower())
        else:
            entry = catalogue.for_key_16(key)
            if entry is not None and entry.v201 is not None:
                variable = entry.v201
                names.add(Address(variable.component, variable.variable, instance=variable.instance).name.lower())
    if entry is not None and entry.max_items_key is not None:
        names.add(entry.max_items_key.lower())
    return names
