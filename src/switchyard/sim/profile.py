"""Firmware profiles: what a simulated station's firmware knows and how it behaves, as a data file.

A profile is YAML (see `profiles/*.yaml` and docs/simulator-profiles.md). For OCPP 1.6 it lists configuration
keys; for 2.0.1 it lists device-model components and their variables. Every key or variable has a
type and limits the firmware enforces, and flags for the ways real firmware differs: read-only and
write-only keys, changes that answer RebootRequired and apply only after a reboot, values accepted
but never applied (`sticky`), and values accepted but reported otherwise (`round_to`).
"""

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

KEY_TYPES = frozenset({"integer", "decimal", "boolean", "string", "csl", "enum", "hex", "url"})
# OCPP 2.0.1 DataEnumType.
DATA_TYPES = frozenset(
    {"string", "decimal", "integer", "dateTime", "boolean", "OptionList", "SequenceList", "MemberList"}
)
MUTABILITIES = frozenset({"ReadOnly", "ReadWrite", "WriteOnly"})


class ProfileError(ValueError):
    """A profile file that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class Limits:
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    # enum values, or the members a CSL / list may contain
    values: tuple[str, ...] | None = None
    # CSL and list variables: how many items, or the key that says so (`<Key>MaxLength`)
    max_items: int | None = None
    max_items_key: str | None = None


@dataclass(frozen=True, slots=True)
class Quirks:
    # Answers RebootRequired; the value takes effect at the next boot.
    reboot: bool = False
    # Answers Accepted but keeps (and reports) the old value.
    sticky: bool = False
    # Accepts an integer but applies it rounded down to a multiple of this.
    round_to: int | None = None


@dataclass(frozen=True, slots=True)
class KeySpec:
    """An OCPP 1.6 configuration key."""

    name: str
    type: str
    value: str | None = None
    readonly: bool = False
    writeonly: bool = False
    limits: Limits = field(default_factory=Limits)
    quirks: Quirks = field(default_factory=Quirks)


@dataclass(frozen=True, slots=True)
class VariableSpec:
    """An OCPP 2.0.1 device-model variable (one attribute, Actual)."""

    component: str
    variable: str
    data_type: str
    value: str | None = None
    mutability: str = "ReadWrite"
    component_instance: str | None = None
    evse: int | None = None
    connector: int | None = None
    instance: str | None = None
    unit: str | None = None
    persistent: bool = True
    constant: bool = False
    limits: Limits = field(default_factory=Limits)
    quirks: Quirks = field(default_factory=Quirks)

    @property
    def address(self) -> tuple[str, str | None, int | None, int | None, str, str | None]:
        return (self.component, self.component_instance, self.evse, self.connector, self.variable, self.instance)


@dataclass(frozen=True, slots=True)
class FirmwareProfile:
    name: str
    ocpp: str
    vendor: str
    model: str
    firmware_version: str
    connectors: int = 1
    description: str = ""
    # 1.6: how this firmware spells booleans when it reports them
    boolean_spelling: tuple[str, str] = ("true", "false")
    keys: tuple[KeySpec, ...] = ()
    variables: tuple[VariableSpec, ...] = ()

    def key(self, name: str) -> KeySpec | None:
        lowered = name.lower()
        return next((k for k in self.keys if k.name.lower() == lowered), None)


BUILT_IN = resources.files("switchyard.sim").joinpath("profiles")


def available_profiles() -> list[str]:
    return sorted(entry.name.removesuffix(".yaml") for entry in BUILT_IN.iterdir() if entry.name.endswith(".yaml"))


def load_profile(name_or_path: str | Path) -> FirmwareProfile:
    """A built-in profile by name (`edrv-reference-16`), or a profile file by path."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ProfileError(f"{source}: cannot read the profile: {exc.strerror}") from None
    else:
        entry = BUILT_IN.joinpath(f"{name_or_path}.yaml")
        if not entry.is_file():
            raise ProfileError(f"no profile {name_or_path!r}; built in: {', '.join(available_profiles())}")
        source = f"built-in profile {name_or_path}"
        text = entry.read_text(encoding="utf-8")
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ProfileError(f"{source}: not valid YAML: {exc}") from None
    return parse_profile(document, source, default_name=path.stem)


def parse_profile(document: Any, source: str = "profile", default_name: str | None = None) -> FirmwareProfile:
    if not isinstance(document, dict):
        raise ProfileError(f"{source}: a profile is a mapping")
    _only(document, source, _PROFILE_FIELDS)
    try:
        return _parse(document, source, default_name)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ProfileError):
            raise
        raise ProfileError(f"{source}: {exc}") from None


def _parse(document: dict[str, Any], source: str, default_name: str | None) -> FirmwareProfile:
    ocpp = str(_required(document, "ocpp", source))
    if ocpp not in ("1.6", "2.0.1"):
        raise ProfileError(f'{source}: ocpp must be "1.6" or "2.0.1", got {ocpp!r}')
    reboot_by_default = _flag(document, "reboot_by_default", source)
    keys: tuple[KeySpec, ...] = ()
    variables: tuple[VariableSpec, ...] = ()
    if ocpp == "1.6":
        raw_keys = _required(document, "keys", source)
        if not isinstance(raw_keys, dict):
            raise ProfileError(f"{source}: keys is a mapping of key name to its description")
        keys = tuple(_key(str(name), spec, source, reboot_by_default) for name, spec in raw_keys.items())
        lowered = [key.name.lower() for key in keys]
        repeated = sorted({name for name in lowered if lowered.count(name) > 1})
        if repeated:
            raise ProfileError(f"{source}: keys are case-insensitive; listed twice: {', '.join(repeated)}")
    else:
        raw_components = _required(document, "components", source)
        if not isinstance(raw_components, list):
            raise ProfileError(f"{source}: components is a list")
        variables = tuple(
            variable for component in raw_components for variable in _component(component, source, reboot_by_default)
        )
        seen: set[tuple[Any, ...]] = set()
        for variable in variables:
            if variable.address in seen:
                raise ProfileError(f"{source}: {_where(variable)} is listed twice")
            seen.add(variable.address)
    spelling = document.get("boolean", ["true", "false"])
    if not (isinstance(spelling, list) and len(spelling) == 2 and all(isinstance(s, str) for s in spelling)):
        raise ProfileError(f'{source}: boolean is how the firmware spells true and false, quoted: ["True", "False"]')
    return FirmwareProfile(
        name=str(document.get("name", default_name or source)),
        ocpp=ocpp,
        vendor=str(_required(document, "vendor", source)),
        model=str(_required(document, "model", source)),
        firmware_version=str(_required(document, "firmware", source)),
        connectors=_int_or_none(document.get("connectors", 1)) or 1,
        description=str(document.get("description", "")),
        boolean_spelling=(str(spelling[0]), str(spelling[1])),
        keys=keys,
        variables=variables,
    )


def _key(name: str, spec: Any, source: str, reboot_by_default: bool) -> KeySpec:
    where = f"{source}: key {name}"
    if not isinstance(spec, dict):
        raise ProfileError(f"{where}: describe it with a mapping ({{type: integer, value: '60'}})")
    _only(spec, where, _KEY_FIELDS)
    kind = str(spec.get("type", "string"))
    if kind not in KEY_TYPES:
        raise ProfileError(f"{where}: type must be one of {', '.join(sorted(KEY_TYPES))}")
    readonly, writeonly = _flag(spec, "readonly", where), _flag(spec, "writeonly", where)
    if readonly and writeonly:
        raise ProfileError(f"{where}: a key cannot be both read-only and write-only")
    return KeySpec(
        name=name,
        type=kind,
        value=_value(spec, where),
        readonly=readonly,
        writeonly=writeonly,
        limits=_limits(spec, where),
        quirks=_quirks(spec, where, reboot_by_default),
    )


def _component(component: Any, source: str, reboot_by_default: bool) -> list[VariableSpec]:
    if not isinstance(component, dict) or "component" not in component:
        raise ProfileError(f"{source}: each component needs `component: Name` and `variables: [...]`")
    _only(component, f"{source}: component {component['component']}", _COMPONENT_FIELDS)
    name = str(component["component"])
    raw_variables = component.get("variables", [])
    if not isinstance(raw_variables, list):
        raise ProfileError(f"{source}: component {name}: variables is a list")
    out = []
    for spec in raw_variables:
        if not isinstance(spec, dict) or "variable" not in spec:
            raise ProfileError(f"{source}: component {name}: each variable needs `variable: Name`")
        where = f"{source}: {name}.{spec['variable']}"
        _only(spec, where, _VARIABLE_FIELDS)
        data_type = str(spec.get("type", "string"))
        if data_type not in DATA_TYPES:
            raise ProfileError(f"{where}: type must be one of {', '.join(sorted(DATA_TYPES))}")
        mutability = str(spec.get("mutability", "ReadWrite"))
        if mutability not in MUTABILITIES:
            raise ProfileError(f"{where}: mutability must be ReadOnly, ReadWrite or WriteOnly")
        limits = _limits(spec, where)
        if data_type in ("OptionList", "SequenceList", "MemberList") and not limits.values:
            raise ProfileError(f"{where}: a {data_type} needs `values` (its valuesList)")
        out.append(
            VariableSpec(
                component=name,
                variable=str(spec["variable"]),
                data_type=data_type,
                value=_value(spec, where),
                mutability=mutability,
                component_instance=_text(component.get("instance")),
                evse=_int_or_none(component.get("evse")),
                connector=_int_or_none(component.get("connector")),
                instance=_text(spec.get("instance")),
                unit=_text(spec.get("unit")),
                persistent=_flag(spec, "persistent", where, default=True),
                constant=_flag(spec, "constant", where),
                limits=limits,
                quirks=_quirks(spec, where, reboot_by_default and mutability == "ReadWrite"),
            )
        )
    return out


_LIMIT_FIELDS = {"min", "max", "min_length", "max_length", "values", "max_items", "max_items_key"}
_QUIRK_FIELDS = {"reboot", "sticky", "round_to"}
_PROFILE_FIELDS = {
    "name",
    "ocpp",
    "vendor",
    "model",
    "firmware",
    "connectors",
    "description",
    "boolean",
    "keys",
    "components",
    "reboot_by_default",
}
_KEY_FIELDS = {"type", "value", "readonly", "writeonly", *_LIMIT_FIELDS, *_QUIRK_FIELDS}
_COMPONENT_FIELDS = {"component", "instance", "evse", "connector", "variables"}
_VARIABLE_FIELDS = {
    "variable",
    "instance",
    "type",
    "value",
    "mutability",
    "unit",
    "persistent",
    "constant",
    *_LIMIT_FIELDS,
    *_QUIRK_FIELDS,
}


def _limits(spec: dict[str, Any], where: str) -> Limits:
    values = spec.get("values")
    if values is not None and not (isinstance(values, list) and values):
        raise ProfileError(f"{where}: values is a non-empty list")
    return Limits(
        minimum=_number(spec.get("min"), where, "min"),
        maximum=_number(spec.get("max"), where, "max"),
        min_length=_int_or_none(spec.get("min_length")),
        max_length=_int_or_none(spec.get("max_length")),
        values=tuple(str(v) for v in values) if values else None,
        max_items=_int_or_none(spec.get("max_items")),
        max_items_key=_text(spec.get("max_items_key")),
    )


def _quirks(spec: dict[str, Any], where: str, reboot_by_default: bool) -> Quirks:
    round_to = _int_or_none(spec.get("round_to"))
    if round_to is not None and round_to <= 0:
        raise ProfileError(f"{where}: round_to must be a positive integer")
    return Quirks(
        reboot=_flag(spec, "reboot", where, default=reboot_by_default),
        sticky=_flag(spec, "sticky", where),
        round_to=round_to,
    )


def _where(variable: VariableSpec) -> str:
    evse = f"[evse {variable.evse}]" if variable.evse is not None else ""
    instance = f"[{variable.instance}]" if variable.instance else ""
    return f"{variable.component}{evse}.{variable.variable}{instance}"


def _only(mapping: dict[str, Any], where: str, allowed: set[str]) -> None:
    unknown = set(mapping) - allowed
    if unknown:
        raise ProfileError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")


def _required(mapping: dict[str, Any], name: str, where: str) -> Any:
    if name not in mapping:
        raise ProfileError(f"{where}: `{name}` is required")
    return mapping[name]


def _flag(mapping: dict[str, Any], name: str, where: str, default: bool = False) -> bool:
    value = mapping.get(name, default)
    if not isinstance(value, bool):
        raise ProfileError(f"{where}: {name} is true or false (unquoted), not {value!r}")
    return value


def _value(spec: dict[str, Any], where: str) -> str | None:
    value = spec.get("value")
    if isinstance(value, list | dict):
        raise ProfileError(f'{where}: value is the text the firmware reports; write a list as "a,b,c"')
    return _text(value)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _int_or_none(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProfileError(f"{value!r} is not a whole number")
    return value


def _number(value: Any, where: str, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProfileError(f"{where}: {name} must be a number")
    return float(value)
