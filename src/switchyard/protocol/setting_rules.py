"""How each OCPP version names its settings, and what a change request must respect to be sendable.

A change request names a setting as the operator knows it: a 1.6 key, a 2.0.1 `Component.Variable`,
or a 1.6 key on a 2.0.1 station. The version's rules (`protocol/v16/setting_rules.py`,
`protocol/v201/setting_rules.py`) check what the wire can carry (lengths, attribute types) and say
where the name points in the station's report; core checks the rest against that report.
"""

from dataclasses import dataclass
from typing import Any, Protocol

from switchyard.protocol import catalogue
from switchyard.protocol.catalogue import Entry, Ocpp
from switchyard.protocol.setting_names import parse_address


@dataclass(frozen=True, slots=True)
class Located:
    """Where a requested setting name points on a station of one version."""

    # The name to look for in the station's report, in lower case.
    lookup: str
    # How a refusal names it ("HeartbeatInterval (OCPPCommCtrlr.HeartbeatInterval in OCPP 2.0.1)").
    shown: str
    # The name to send when the station never reported it (only where `may_be_unreported`).
    spelled: str
    entry: Entry | None
    # A write-only 1.6 key (AuthorizationKey) is never reported: its absence proves nothing.
    may_be_unreported: bool = False


class SettingRules(Protocol):
    version: Ocpp

    def entry(self, name: str) -> Entry | None:
        """The catalogue entry of a setting as a station of this version reports it."""
        ...

    def locate(self, key: str, value: str, attribute: str | None) -> Located:
        """Where `key` points; `InvalidInput` when the name, the value's length or the attribute type
        cannot be sent to a station of this version."""
        ...

    def names_needed(self, key: str) -> set[str]:
        """The reported settings (lower-case names) that resolving a change of `key` looks at."""
        ...

    def pin_key(self, name: str, entry: Entry | None) -> str | None:
        """The 1.6 key under which a desired value for this setting is listed (the baseline's names)."""
        ...

    def check_reported(self, name: str, characteristics: dict[str, Any] | None, value: str) -> None:
        """Refuse a value the station's own description of the setting excludes."""
        ...


def entry_by_name(name: str) -> Entry | None:
    """The catalogue entry of a setting name of either version: its shape says which."""
    address = parse_address(name)
    if address is None:
        return catalogue.for_key_16(name)
    return catalogue.for_variable_201(address.component, address.variable, address.instance)
