"""An OCPP 1.6 station's configuration keys: GetConfiguration and ChangeConfiguration as firmware does them."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from switchyard.sim.profile import FirmwareProfile, KeySpec
from switchyard.sim.values import InvalidValue, check_value


@dataclass
class ChangeOutcome:
    status: str  # Accepted | RebootRequired | Rejected | NotSupported
    reason: str = ""


@dataclass
class Configuration16:
    """Current values, values waiting for a reboot, and the rules of the firmware that holds them.

    `special` rules run before a value is stored: they can refuse it (SecurityProfile only goes up,
    and only with its prerequisites) or react to it (a new AuthorizationKey).
    """

    profile: FirmwareProfile
    values: dict[str, str | None] = field(default_factory=dict)
    pending: dict[str, str] = field(default_factory=dict)
    special: dict[str, Callable[[str], str | None]] = field(default_factory=dict)
    sticky_everything: bool = False

    @classmethod
    def fresh(cls, profile: FirmwareProfile, overrides: dict[str, str] | None = None) -> "Configuration16":
        values = {spec.name: spec.value for spec in profile.keys}
        for name, value in (overrides or {}).items():
            spec = profile.key(name)
            if spec is not None:
                values[spec.name] = value
        return cls(profile, values)

    # -- reading ------------------------------------------------------------------------------

    def max_keys(self) -> int | None:
        value = self.values.get("GetConfigurationMaxKeys")
        return int(value) if value and value.isdigit() else None

    def get(self, keys: list[str] | None) -> dict[str, Any]:
        """The GetConfiguration.conf payload for these keys (all readable keys when none are named)."""
        if not keys:
            chosen = [spec for spec in self.profile.keys if not spec.writeonly]
            unknown: list[str] = []
        else:
            chosen, unknown = [], []
            for name in keys:
                spec = self.profile.key(name)
                if spec is None:
                    unknown.append(name)
                elif not spec.writeonly:
                    chosen.append(spec)
        payload: dict[str, Any] = {"configurationKey": [self._entry(spec) for spec in chosen]}
        if unknown:
            payload["unknownKey"] = unknown
        return payload

    def _entry(self, spec: KeySpec) -> dict[str, Any]:
        entry: dict[str, Any] = {"key": spec.name, "readonly": spec.readonly}
        value = self.values.get(spec.name)
        if value is not None:
            entry["value"] = self.render(spec, value)
        return entry

    def render(self, spec: KeySpec, value: str) -> str:
        if spec.type == "boolean" and value.lower() in ("true", "false"):
            true, false = self.profile.boolean_spelling
            return true if value.lower() == "true" else false
        return value

    def value(self, name: str) -> str | None:
        spec = self.profile.key(name)
        return None if spec is None else self.values.get(spec.name)

    # -- changing -----------------------------------------------------------------------------

    def change(self, key: str, value: str) -> ChangeOutcome:
        spec = self.profile.key(key)
        if spec is None:
            return ChangeOutcome("NotSupported", f"unknown key {key}")
        if spec.readonly:
            return ChangeOutcome("Rejected", f"{spec.name} is read-only")
        try:
            stored = check_value(spec.type, value, spec.limits, self._max_items(spec))
            if spec.quirks.sticky or self.sticky_everything:
                return ChangeOutcome("Accepted", "accepted; this firmware keeps the old value")
            rule = self.special.get(spec.name)
            if rule is not None:
                stored = rule(stored) or stored
        except InvalidValue as exc:
            return ChangeOutcome("Rejected", f"{spec.name}: {exc}")
        if spec.quirks.round_to and spec.type == "integer":
            stored = str(int(stored) // spec.quirks.round_to * spec.quirks.round_to)
        if spec.quirks.reboot:
            self.pending[spec.name] = stored
            return ChangeOutcome("RebootRequired")
        self.values[spec.name] = stored
        return ChangeOutcome("Accepted")

    def _max_items(self, spec: KeySpec) -> int | None:
        if spec.type != "csl":
            return None
        if spec.limits.max_items is not None:
            return spec.limits.max_items
        length_key = spec.limits.max_items_key or f"{spec.name}MaxLength"
        declared = self.values.get(length_key) if self.profile.key(length_key) else None
        # OCPP 1.6: without a <Key>MaxLength key, assume a single item.
        return int(declared) if declared and declared.isdigit() else 1

    def reboot(self) -> None:
        """Values that waited for a reboot take effect."""
        self.values.update(self.pending)
        self.pending.clear()

    # -- persistence --------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        return {"values": dict(self.values), "pending": dict(self.pending)}

    def restore(self, state: dict[str, Any]) -> None:
        known = {spec.name for spec in self.profile.keys}
        self.values.update({k: v for k, v in state.get("values", {}).items() if k in known})
        self.pending.update({k: v for k, v in state.get("pending", {}).items() if k in known})
