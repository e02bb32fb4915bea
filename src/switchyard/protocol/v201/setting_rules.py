"""OCPP 2.0.1 settings: variables named `Component.Variable` (or a standard 1.6 key's equivalent),
values up to 1000 characters, four attribute types, and each station's own VariableCharacteristics."""

from typing import Any

from switchyard.domain import ACTUAL
from switchyard.errors import InvalidInput
from switchyard.protocol import catalogue
from switchyard.protocol.catalogue import Entry, Ocpp
from switchyard.protocol.setting_names import Address, parse_address
from switchyard.protocol.setting_rules import Located

ATTRIBUTE_TYPES = ("Actual", "Target", "MinSet", "MaxSet")
# ComponentType.name, VariableType.name and their instances.
NAME_MAX = 50


class SettingRules201:
    version: Ocpp = "2.0.1"

    def entry(self, name: str) -> Entry | None:
        address = parse_address(name)
        if address is None:
            return None
        return catalogue.for_variable_201(address.component, address.variable, address.instance)

    def locate(self, key: str, value: str, attribute: str | None) -> Located:
        attribute = attribute or ACTUAL
        if attribute not in ATTRIBUTE_TYPES:
            raise InvalidInput(f"attributeType must be one of {', '.join(ATTRIBUTE_TYPES)}; got {attribute!r}")
        if len(value) > catalogue.SET_VALUE_MAX_201:
            raise InvalidInput(
                f"value is {len(value)} characters; OCPP 2.0.1 SetVariables values are at most "
                f"{catalogue.SET_VALUE_MAX_201}"
            )
        address, entry = _address(key)
        shown = key if key == address.name else f"{key} ({address.name} in OCPP 2.0.1)"
        return Located(lookup=address.name.lower(), shown=shown, spelled=address.name, entry=entry)

    def names_needed(self, key: str) -> set[str]:
        names = {key.lower()}
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

    def pin_key(self, name: str, entry: Entry | None) -> str | None:
        # A vendor variable has no 1.6 key, so nothing pins it.
        return entry.key if entry is not None else None

    def check_reported(self, name: str, characteristics: dict[str, Any] | None, value: str) -> None:
        """The station's own dataType, limits and valuesList for the variable (its VariableCharacteristics)."""
        traits = characteristics or {}
        data_type = traits.get("dataType")
        if data_type in ("integer", "decimal"):
            _check_number(name, data_type, traits, value)
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


def _check_number(name: str, data_type: str, traits: dict[str, Any], value: str) -> None:
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


def _address(key: str) -> tuple[Address, Entry | None]:
    """The address a name stands for: `Component.Variable` as given, or a standard 1.6 key's equivalent."""
    address = parse_address(key)
    if address is not None:
        for part in (address.component, address.variable, address.component_instance, address.instance):
            if part is not None and len(part) > NAME_MAX:
                raise InvalidInput(f"{key}: OCPP 2.0.1 component and variable names are at most {NAME_MAX} characters")
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
