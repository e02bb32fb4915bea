"""The catalogue of configuration settings Switchyard knows: OCPP 1.6 keys and OCPP 2.0.1 variables.

Every standard OCPP 1.6 configuration key (1.6 edition 2 section 9, errata sheet v4.0, OCPP-J, Security
Whitepaper edition 2), the vendor network-profile keys of the 1.6 migration procedure (seed 000), and the
OCPP 2.0.1 device-model variables Switchyard reads or writes. An entry carries what the configuration
API shows (category, description), what it checks before sending a value (type, limits, access), and the
1.6 <-> 2.0.1 mapping, so a 1.6 key name also works on a 2.0.1 station.

Vocabularies (docs/catalogue.md has the full story):
- `Entry.type` always uses the OCPP 1.6 value types: integer, decimal, boolean, string, csl, enum, hex,
  url (2.0.1-only entries too). `Entry.data_type` is the OCPP 2.0.1 dataType of the 2.0.1 variable
  (string, decimal, integer, dateTime, boolean, OptionList, SequenceList, MemberList), None without one.
- The flat fields of an entry describe its 1.6 key, or its 2.0.1 variable when it has no 1.6 key. Where
  the mapped 2.0.1 variable takes different values or has a different access (SecurityProfile is read-only
  in 2.0.1, AuthorizationKey is hex while BasicAuthPassword is text, ...) `Entry.v201_rules` says how;
  `Entry.rules(ocpp)` gives the rules of either side.

Names are case-insensitive on lookup: 1.6 keys are CiString, 2.0.1 component and variable names too.
Message-level limits (CiString500 in ChangeConfiguration, 1000 characters in 2.0.1 SetVariables) are
not per-entry limits; callers apply them (`VALUE_MAX_16`, `SET_VALUE_MAX_201`).
"""

import re

from switchyard.protocol.catalogue_entries import ENTRIES
from switchyard.protocol.catalogue_model import (
    CATEGORIES,
    DATA_TYPES_201,
    FEATURE_PROFILES_16,
    FILE_TRANSFER_16,
    FILE_TRANSFER_201,
    MEASURANDS_16,
    MEASURANDS_201,
    MEMBER_NOUNS,
    NETWORK_SLOTS_16,
    PHASE_ROTATIONS,
    PHASES_16,
    RATE_UNITS_16,
    RATE_UNITS_201,
    SET_VALUE_MAX_201,
    TYPES_16,
    VALUE_MAX_16,
    Entry,
    MemberForm,
    Ocpp,
    Rules,
    Variable,
)

# The vocabulary lives in catalogue_model and the data in catalogue_entries; callers use this module.
__all__ = [
    "CATEGORIES",
    "DATA_TYPES_201",
    "FEATURE_PROFILES_16",
    "FILE_TRANSFER_16",
    "FILE_TRANSFER_201",
    "INT32_MAX",
    "INT32_MIN",
    "MEASURANDS_16",
    "MEASURANDS_201",
    "NETWORK_SLOTS_16",
    "PHASES_16",
    "PHASE_ROTATIONS",
    "RATE_UNITS_16",
    "RATE_UNITS_201",
    "SET_VALUE_MAX_201",
    "TYPES_16",
    "VALUE_MAX_16",
    "Entry",
    "MemberForm",
    "Ocpp",
    "Rules",
    "Variable",
    "all_entries",
    "check_url",
    "check_value",
    "for_key_16",
    "for_variable_201",
    "parse_number",
    "parse_variable_name",
    "to_201",
]


def _variable_index(variable: Variable) -> tuple[str, str, str | None]:
    instance = variable.instance.lower() if variable.instance is not None else None
    return (variable.component.lower(), variable.variable.lower(), instance)


_BY_KEY: dict[str, Entry] = {entry.key.lower(): entry for entry in ENTRIES if entry.key is not None}
_BY_VARIABLE: dict[tuple[str, str, str | None], Entry] = {
    _variable_index(entry.v201): entry for entry in ENTRIES if entry.v201 is not None
}


def all_entries() -> tuple[Entry, ...]:
    """Every entry: the 1.6 keys (standard, then vendor), then the 2.0.1-only variables."""
    return ENTRIES


def for_key_16(name: str) -> Entry | None:
    """The entry of a 1.6 configuration key, case-insensitively; None for an unknown (vendor) key."""
    return _BY_KEY.get(name.lower())


def for_variable_201(component: str, variable: str, instance: str | None = None) -> Entry | None:
    """The entry of a 2.0.1 variable, case-insensitively; the instance must match too."""
    return _BY_VARIABLE.get(_variable_index(Variable(component, variable, instance)))


def to_201(key_16: str) -> Variable | None:
    """The 2.0.1 variable equivalent to a 1.6 key; None for an unknown key or one without a clean equivalent."""
    entry = for_key_16(key_16)
    return entry.v201 if entry is not None else None


_NAME_PART = re.compile(r"[A-Za-z0-9_-]+")
_INSTANCE = re.compile(r"[A-Za-z0-9_:-]+")
_NAME_MAX = 50  # 2.0.1 ComponentType.name, VariableType.name and their instances


def parse_variable_name(text: str) -> Variable:
    """Parse the API's `Component.Variable` or `Component.Variable[instance]`; ValueError names the problem."""
    expected = "expected Component.Variable or Component.Variable[instance]"
    if text == "":
        raise ValueError(f"empty variable name; {expected}")
    if any(c.isspace() for c in text):
        raise ValueError(f"{text!r} contains whitespace; {expected}")
    first_dot = text.find(".")
    if first_dot == -1:
        raise ValueError(f"{text!r} has no component; {expected}")
    first_bracket = text.find("[")
    if first_bracket != -1 and first_bracket < first_dot:
        raise ValueError(f"{text!r}: component instances are not supported; {expected}")
    if text.count("[") > 1 or text.count("]") > 1:
        raise ValueError(f"{text!r}: only one [instance] is allowed, at the end; {expected}")
    instance: str | None = None
    body = text
    if "[" in text or "]" in text:
        if first_bracket == -1 or not text.endswith("]"):
            raise ValueError(f"{text!r}: unbalanced or misplaced brackets; {expected}")
        body, instance = text[:first_bracket], text[first_bracket + 1 : -1]
        if instance == "":
            raise ValueError(f"{text!r}: empty instance; {expected}")
    if body.count(".") != 1:
        raise ValueError(f"{text!r}: expected exactly one '.' between component and variable")
    component, variable = body.split(".")
    for label, part, pattern, allowed in (
        ("component", component, _NAME_PART, "letters, digits, '_' and '-'"),
        ("variable", variable, _NAME_PART, "letters, digits, '_' and '-'"),
        ("instance", instance, _INSTANCE, "letters, digits, '_', '-' and ':'"),
    ):
        if part is None:
            continue
        if part == "":
            raise ValueError(f"{text!r}: empty {label} name; {expected}")
        if not pattern.fullmatch(part):
            raise ValueError(f"{text!r}: the {label} name has characters other than {allowed}")
        if len(part) > _NAME_MAX:
            raise ValueError(f"{text!r}: the {label} name is longer than {_NAME_MAX} characters")
    return Variable(component, variable, instance)


_INTEGER = re.compile(r"-?[0-9]+")
_DECIMAL = re.compile(r"-?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_HEX = re.compile(r"[0-9a-fA-F]*")
# OCPP integers are 32-bit on the wire (the JSON schemas' "integer", firmware's int32).
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def parse_number(kind: str, value: str) -> int | float | None:
    """`value` as an OCPP integer or decimal, or None when it is not one.

    Only ASCII digits with an optional minus sign: Python's int() and float() would also take "+7",
    " 5 ", "1_000", Arabic-Indic digits and "nan", which no station parses the same way.
    """
    if kind == "integer":
        return int(value) if _INTEGER.fullmatch(value) else None
    return float(value) if _DECIMAL.fullmatch(value) else None


def check_value(entry: Entry, value: str, *, ocpp: Ocpp | None = None, max_items: int | None = None) -> str | None:
    """None when `value` fits the entry's type and limits, else why not, in words.

    `ocpp` picks the side to check: "1.6" (the key), "2.0.1" (the variable); None = the entry's own side.
    `max_items` is the station's `<Key>MaxLength` for a list, when known. Access (read-only) is not
    checked here: see `entry.rules(ocpp).readonly`. Reasons never quote the value of a secret entry.
    """
    rules = entry.rules(ocpp)
    name = entry.name_for(ocpp)
    got = "" if entry.secret else f"; got {value!r}"
    kind = rules.type
    if kind in ("integer", "decimal"):
        number = parse_number(kind, value)
        if number is None:
            return f"{name} must be {'an integer' if kind == 'integer' else 'a decimal number'}{got}"
        if kind == "integer" and not INT32_MIN <= number <= INT32_MAX:
            return f"{name} must fit a 32-bit integer ({INT32_MIN} to {INT32_MAX}){got}"
        return _check_range(name, number, rules, entry.secret)
    if kind == "boolean":
        if value.lower() not in ("true", "false"):
            return f"{name} must be true or false{got}"
        return None
    if kind == "enum":
        if rules.values is not None and value not in rules.values:
            return f"{name}: {value!r} is not {_noun(rules.values)}; allowed: {', '.join(rules.values)}"
        return None
    if kind == "csl":
        return _check_list(name, value, rules, max_items)
    if kind == "hex":
        if not _HEX.fullmatch(value):
            return f"{name} must contain only hexadecimal digits (0-9, a-f, A-F)"
        if len(value) % 2:
            return f"{name} must have an even number of hexadecimal digits (whole bytes)"
        return _check_length(name, value, rules, entry.secret, unit="hexadecimal digits")
    if kind == "url":
        return check_url(name, value)
    if kind == "string":
        for char in rules.forbidden:
            if char in value:
                return f"{name} must not contain {char!r}"
        return _check_length(name, value, rules, entry.secret, unit="characters")
    raise ValueError(f"{name}: unknown value type {kind!r}")


def _number(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def _check_range(name: str, number: float, rules: Rules, secret: bool) -> str | None:
    low, high = rules.minimum, rules.maximum
    got = "" if secret else f"; got {_number(number)}"
    if (low is not None and number < low) or (high is not None and number > high):
        if low is not None and high is not None:
            return f"{name} must be between {_number(low)} and {_number(high)}{got}"
        if low is not None:
            return f"{name} must be at least {_number(low)}{got}"
        assert high is not None
        return f"{name} must be at most {_number(high)}{got}"
    return None


def _check_length(name: str, value: str, rules: Rules, secret: bool, unit: str) -> str | None:
    got = "" if secret else f"; got {len(value)}"
    if rules.min_length is not None and len(value) < rules.min_length:
        return f"{name} must be at least {rules.min_length} {unit}{got}"
    if rules.max_length is not None and len(value) > rules.max_length:
        return f"{name} must be at most {rules.max_length} {unit}{got}"
    return None


def check_url(name: str, value: str) -> str | None:
    """None when `value` is a CSMS URL a station can store (or empty: an unused slot), else why not."""
    if value == "":
        return None  # an unused slot
    if not value.isprintable() or any(c.isspace() for c in value) or '"' in value or "'" in value:
        return f"{name} must not contain whitespace, quotes or invisible characters"
    scheme, sep, rest = value.partition("://")
    host = rest.split("/", 1)[0]
    if not sep or scheme.lower() not in ("ws", "wss") or host == "":
        return f"{name} must be a ws:// or wss:// URL with a host; got {value!r}"
    return None


def _noun(values: tuple[str, ...]) -> str:
    return MEMBER_NOUNS.get(values, "an allowed value")


def _check_list(name: str, value: str, rules: Rules, max_items: int | None) -> str | None:
    items = [] if value == "" else value.split(",")
    for item in items:
        if item == "":
            return f"{name}: list items must not be empty; got {value!r}"
        if any(c.isspace() for c in item):
            return f"{name}: list items must not contain spaces; got {value!r}"
    if rules.values is not None:
        for item in items:
            if not _member_allowed(item, rules):
                return f"{name}: {item!r} is not {_noun(rules.values)}; {_allowed(rules)}"
    seen: set[str] = set()
    for item in items:
        if item in seen:
            return f"{name}: {item!r} is listed twice"
        seen.add(item)
    if max_items is not None and len(items) > max_items:
        return f"{name} takes at most {max_items} items; got {len(items)}"
    return None


def _member_allowed(item: str, rules: Rules) -> bool:
    values = rules.values or ()
    if rules.member_form == "connector_prefix":
        connector, dot, rotation = item.partition(".")
        return bool(dot) and _INTEGER.fullmatch(connector) is not None and rotation in values
    if item in values:
        return True
    if rules.member_form == "phase_suffix":
        measurand, dot, phase = item.rpartition(".")
        return bool(dot) and measurand in values and phase in PHASES_16
    return False


def _allowed(rules: Rules) -> str:
    values = rules.values or ()
    if rules.member_form == "connector_prefix":
        return f"expected <connectorId>.<rotation> with rotation one of: {', '.join(values)}"
    text = f"allowed: {', '.join(values)}"
    if rules.member_form == "phase_suffix":
        text += f" (each optionally followed by a phase: {', '.join('.' + phase for phase in PHASES_16)})"
    return text
