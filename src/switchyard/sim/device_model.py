"""An OCPP 2.0.1 station's device model: GetVariables, SetVariables and base reports as firmware does them."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from switchyard.sim.profile import FirmwareProfile, VariableSpec
from switchyard.sim.values import InvalidValue, check_value

Address = tuple[str, str | None, int | None, int | None, str, str | None]

# Used when a profile does not declare DeviceDataCtrlr.ItemsPerMessage / BytesPerMessage.
DEFAULT_ITEMS_PER_MESSAGE = 50


def component_key(component: dict[str, Any]) -> tuple[str, str | None, int | None, int | None]:
    evse = component.get("evse") or {}
    return (component["name"], component.get("instance"), evse.get("id"), evse.get("connectorId"))


@dataclass
class DeviceModel:
    profile: FirmwareProfile
    values: dict[Address, str | None] = field(default_factory=dict)
    pending: dict[Address, str] = field(default_factory=dict)
    # Rules for particular variables, keyed by "Component.Variable": may refuse (InvalidValue) or react.
    special: dict[str, Callable[[str], str | None]] = field(default_factory=dict)
    sticky_everything: bool = False

    def __post_init__(self) -> None:
        self.specs: dict[Address, VariableSpec] = {spec.address: spec for spec in self.profile.variables}
        self.components = {address[:4] for address in self.specs}
        for address, spec in self.specs.items():
            self.values.setdefault(address, spec.value)

    # -- lookups ------------------------------------------------------------------------------

    def find(self, component: dict[str, Any], variable: dict[str, Any]) -> tuple[str, VariableSpec | None]:
        key = component_key(component)
        if key not in self.components:
            return "UnknownComponent", None
        spec = self.specs.get((*key, variable["name"], variable.get("instance")))
        return ("Accepted", spec) if spec is not None else ("UnknownVariable", None)

    def value_of(self, component: str, variable: str, instance: str | None = None) -> str | None:
        return self.values.get((component, None, None, None, variable, instance))

    def set_value(self, component: str, variable: str, value: str, instance: str | None = None) -> None:
        self.values[(component, None, None, None, variable, instance)] = value

    def items_per_message(self, message: str) -> int:
        value = self.value_of("DeviceDataCtrlr", "ItemsPerMessage", message)
        return int(value) if value and value.isdigit() else DEFAULT_ITEMS_PER_MESSAGE

    def bytes_per_message(self, message: str) -> int | None:
        value = self.value_of("DeviceDataCtrlr", "BytesPerMessage", message)
        return int(value) if value and value.isdigit() else None

    # -- GetVariables / SetVariables ----------------------------------------------------------

    def get_variables(self, data: list[dict[str, Any]]) -> list[dict[str, Any]]:
        limit = self.items_per_message("GetVariables")
        results = []
        for index, item in enumerate(data):
            result = {"component": item["component"], "variable": item["variable"]}
            if "attributeType" in item:
                result["attributeType"] = item["attributeType"]
            status, spec = self.find(item["component"], item["variable"])
            if index >= limit:
                status, info = "Rejected", {"reasonCode": "TooManyElements"}
            elif spec is not None and item.get("attributeType", "Actual") != "Actual":
                status, info = "NotSupportedAttributeType", None
            elif spec is not None and spec.mutability == "WriteOnly":
                status, info = "Rejected", {"reasonCode": "WriteOnly"}
            else:
                info = None
            result["attributeStatus"] = status
            if info:
                result["attributeStatusInfo"] = info
            if status == "Accepted" and spec is not None:
                value = self.values.get(spec.address)
                if value is not None:
                    result["attributeValue"] = value
            results.append(result)
        return results

    def set_variables(self, data: list[dict[str, Any]]) -> list[dict[str, Any]]:
        limit = self.items_per_message("SetVariables")
        results = []
        for index, item in enumerate(data):
            result = {"component": item["component"], "variable": item["variable"]}
            if "attributeType" in item:
                result["attributeType"] = item["attributeType"]
            status, info = self._set_one(item) if index < limit else ("Rejected", "TooManyElements")
            result["attributeStatus"] = status
            if info:
                result["attributeStatusInfo"] = {"reasonCode": info}
            results.append(result)
        return results

    def _set_one(self, item: dict[str, Any]) -> tuple[str, str | None]:
        status, spec = self.find(item["component"], item["variable"])
        if spec is None:
            return status, None
        if item.get("attributeType", "Actual") != "Actual":
            return "NotSupportedAttributeType", None
        if spec.mutability == "ReadOnly" or spec.constant:
            return "Rejected", "ReadOnly"
        try:
            stored = check_value(spec.data_type, item["attributeValue"], spec.limits, spec.limits.max_items)
            if spec.quirks.sticky or self.sticky_everything:
                return "Accepted", None
            rule = self.special.get(f"{spec.component}.{spec.variable}")
            if rule is not None:
                stored = rule(stored) or stored
        except InvalidValue:
            return "Rejected", "InvalidValue"
        if spec.quirks.round_to and spec.data_type == "integer":
            stored = str(int(stored) // spec.quirks.round_to * spec.quirks.round_to)
        if spec.quirks.reboot:
            self.pending[spec.address] = stored
            return "RebootRequired", None
        self.values[spec.address] = stored
        return "Accepted", None

    def reboot(self) -> None:
        self.values.update(self.pending)
        self.pending.clear()

    # -- reports ------------------------------------------------------------------------------

    def report(self, base: str) -> list[dict[str, Any]]:
        """reportData entries for ConfigurationInventory (writable variables) or FullInventory."""
        entries = []
        for spec in self.profile.variables:
            if base == "ConfigurationInventory" and spec.mutability == "ReadOnly":
                continue
            entries.append(self._report_entry(spec))
        return entries

    def pages(self, base: str) -> Iterator[list[dict[str, Any]]]:
        entries = self.report(base)
        size = max(self.items_per_message("GetReport"), 1)
        for start in range(0, len(entries), size):
            yield entries[start : start + size]

    def _report_entry(self, spec: VariableSpec) -> dict[str, Any]:
        component: dict[str, Any] = {"name": spec.component}
        if spec.component_instance:
            component["instance"] = spec.component_instance
        if spec.evse is not None:
            component["evse"] = {
                "id": spec.evse,
                **({"connectorId": spec.connector} if spec.connector is not None else {}),
            }
        variable: dict[str, Any] = {"name": spec.variable}
        if spec.instance:
            variable["instance"] = spec.instance
        attribute: dict[str, Any] = {
            "type": "Actual",
            "mutability": spec.mutability,
            "persistent": spec.persistent,
            "constant": spec.constant,
        }
        value = self.values.get(spec.address)
        if value is not None and spec.mutability != "WriteOnly":
            attribute["value"] = value
        characteristics: dict[str, Any] = {"dataType": spec.data_type, "supportsMonitoring": False}
        if spec.unit:
            characteristics["unit"] = spec.unit
        limits = spec.limits
        minimum = limits.minimum if limits.minimum is not None else limits.min_length
        maximum = limits.maximum if limits.maximum is not None else limits.max_length
        if minimum is not None:
            characteristics["minLimit"] = minimum
        if maximum is not None:
            characteristics["maxLimit"] = maximum
        if limits.values:
            characteristics["valuesList"] = ",".join(limits.values)
        return {
            "component": component,
            "variable": variable,
            "variableAttribute": [attribute],
            "variableCharacteristics": characteristics,
        }

    # -- persistence --------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        return {
            "values": [[list(a), v] for a, v in self.values.items()],
            "pending": [[list(a), v] for a, v in self.pending.items()],
        }

    def restore(self, state: dict[str, Any]) -> None:
        for raw, value in state.get("values", []):
            address = tuple(raw)
            if address in self.specs:
                self.values[address] = value
        for raw, value in state.get("pending", []):
            address = tuple(raw)
            if address in self.specs:
                self.pending[address] = value
