"""What a configuration test needs to know about an OCPP version to say the same thing of both.

The behaviour of a change (sent, read back, refused, queued, held for a reboot, timed out, expired) is
the same in 1.6 and 2.0.1; the names differ: the calls a change and its read-back travel in, how a
setting is named and carried on the wire, and the simulator firmware that shows a given quirk.
`test_changes.py` takes one `Version` per run.
"""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Refusal:
    """A change the station itself refuses, and the status it answers."""

    key: str
    value: str
    answer: str
    # The station's last report (wrongly) listed the setting as writable: it no longer has it, or it is read-only.
    stale: bool = False
    extra: dict[str, str] = field(default_factory=dict)
    # The reason a 2.0.1 station gives with its status (statusInfo.reasonCode), if any.
    reason_code: str | None = None

    @property
    def response(self) -> dict[str, Any]:
        """The action's response data: the station's answer."""
        if self.reason_code is None:
            return {"status": self.answer}
        return {"status": self.answer, "statusInfo": {"reasonCode": self.reason_code}}


@dataclass(frozen=True)
class Version:
    ocpp: str
    change: str  # the call that carries a change
    read_back: str  # the call that reads one setting back
    # Two writable settings of the default firmware; the first with its factory value.
    setting: str
    factory: str
    other: str
    # Kept in whole minutes by the "rounding" firmware: 901 is stored as 900.
    heartbeat: str
    # On the "reboot-heavy" firmware, a change that answers RebootRequired.
    reboot_setting: str
    # The reset asked for through the API, and the type the station is sent.
    reset: str
    reset_sent: str
    refusals: tuple[Refusal, ...]

    def __str__(self) -> str:
        return self.ocpp

    def profile(self, quirk: str) -> str:
        """The simulator firmware of this version with that quirk ("rounding", "reboot-heavy")."""
        return f"{quirk}-{'16' if self.ocpp == '1.6' else '201'}"

    def change_payload(self, key: str, value: str) -> dict[str, Any]:
        if self.ocpp == "1.6":
            return {"key": key, "value": value}
        return {"setVariableData": [{"attributeValue": value, **_address(key)}]}

    def read_back_payload(self, key: str) -> dict[str, Any]:
        if self.ocpp == "1.6":
            return {"key": [key]}
        return {"getVariableData": [_address(key)]}


def _address(name: str) -> dict[str, Any]:
    component, _, variable = name.partition(".")
    return {"component": {"name": component}, "variable": {"name": variable}}


V16 = Version(
    ocpp="1.6",
    change="ChangeConfiguration",
    read_back="GetConfiguration",
    setting="LightIntensity",
    factory="100",
    other="ConnectionTimeOut",
    heartbeat="HeartbeatInterval",
    reboot_setting="MeterValueSampleInterval",
    reset="Soft",
    reset_sent="Soft",
    refusals=(
        # StopTxnSampledDataMaxLength is 0: the firmware refuses any measurand there.
        Refusal("StopTxnSampledData", "Voltage", "Rejected"),
        # Listed in the last report (say, before a firmware update removed it).
        Refusal("BlinkRepeat", "3", "NotSupported", stale=True),
    ),
)

V201 = Version(
    ocpp="2.0.1",
    change="SetVariables",
    read_back="GetVariables",
    setting="OCPPCommCtrlr.HeartbeatInterval",
    factory="900",
    other="OCPPCommCtrlr.OfflineThreshold",
    heartbeat="OCPPCommCtrlr.HeartbeatInterval",
    reboot_setting="SampledDataCtrlr.TxEndedInterval",
    # "Hard" is the 1.6 word; a 2.0.1 station is sent its own word for it.
    reset="Hard",
    reset_sent="Immediate",
    refusals=(
        Refusal("OCPPCommCtrlr.Gone", "2", "UnknownVariable", stale=True),
        Refusal("OCPPCommCtrlr.ActiveNetworkProfile", "2", "Rejected", stale=True, reason_code="ReadOnly"),
        Refusal("GoneCtrlr.Thing", "2", "UnknownComponent", stale=True),
        # This firmware keeps only Actual values.
        Refusal(
            "OCPPCommCtrlr.HeartbeatInterval", "3600", "NotSupportedAttributeType", extra={"attributeType": "MaxSet"}
        ),
    ),
)

VERSIONS = (V16, V201)
