"""Names of settings as the API and the reported configuration write them.

1.6: the configuration key itself. 2.0.1: `Component.Variable`, with an instance in brackets on
either side and the EVSE (and connector) after `@` on the component:
`OCPPCommCtrlr.HeartbeatInterval`, `DeviceDataCtrlr.ItemsPerMessage[GetVariables]`,
`EVSE@1.Power`, `Connector@1/2.AvailabilityState`, `Controller[main].Variable`. (OCPP allows `.` and
`@` in names; no standard component or variable uses them, and neither may one named through the API.)
"""

import re
from dataclasses import dataclass

_NAME = re.compile(
    r"^(?P<component>[A-Za-z0-9_\-*=:+|]+)(?:\[(?P<cinst>[^\]]+)\])?(?:@(?P<evse>\d+)(?:/(?P<connector>\d+))?)?"
    r"\.(?P<variable>[A-Za-z0-9_\-*=:+|]+)(?:\[(?P<vinst>[^\]]+)\])?$"
)


@dataclass(frozen=True, slots=True)
class Address:
    component: str
    variable: str
    component_instance: str | None = None
    evse: int | None = None
    connector: int | None = None
    instance: str | None = None

    @property
    def name(self) -> str:
        component = self.component
        if self.component_instance:
            component += f"[{self.component_instance}]"
        if self.evse is not None:
            component += f"@{self.evse}" + (f"/{self.connector}" if self.connector is not None else "")
        variable = self.variable + (f"[{self.instance}]" if self.instance else "")
        return f"{component}.{variable}"


def parse_address(text: str) -> Address | None:
    """The 2.0.1 address a name stands for, or None when it is not `Component.Variable` shaped."""
    match = _NAME.match(text.strip())
    if match is None:
        return None
    return Address(
        component=match["component"],
        variable=match["variable"],
        component_instance=match["cinst"],
        evse=int(match["evse"]) if match["evse"] else None,
        connector=int(match["connector"]) if match["connector"] else None,
        instance=match["vinst"],
    )


def reported_limit(value: str | None) -> int | None:
    """A limit a station reports (GetConfigurationMaxKeys, ItemsPerMessage…) as a number; None when it
    is absent or not a positive integer."""
    return int(value) if value and value.isdigit() and int(value) > 0 else None


def same_value(kind: str | None, sent: str, reported: str | None, ocpp_version: str = "1.6") -> bool:
    """Whether the station reports what it was sent, as firmware normally rewrites values.

    1.6 values (CiString) and 2.0.1 booleans and list members compare without case; 2.0.1 strings
    (URLs, paths, names) exactly; numbers by value; lists by their items (in order for a 2.0.1
    SequenceList).
    """
    if reported is None:
        return False
    if sent == reported:
        return True
    if (ocpp_version == "1.6" or kind not in (None, "string", "url")) and sent.lower() == reported.lower():
        return True
    if kind in ("integer", "decimal"):
        try:
            return float(sent) == float(reported)
        except ValueError:
            return False
    if kind == "SequenceList":
        return [i.strip().lower() for i in sent.split(",")] == [i.strip().lower() for i in reported.split(",")]
    if kind in ("csl", "MemberList"):
        # Firmware commonly reorders a list it stores; membership is what a 1.6 list means.
        return {i.strip().lower() for i in sent.split(",")} == {i.strip().lower() for i in reported.split(",")}
    return False
