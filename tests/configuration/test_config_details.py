"""The details list: each reported setting explained, with desired values from the baseline."""

from switchyard.core.config_details import detail_rows
from switchyard.ports.configuration import ReportedRow


def row(name: str, value: str | None, readonly: bool = False) -> ReportedRow:
    return ReportedRow(name=name, value=value, readonly=readonly)


def test_known_keys_are_explained_and_pinned_keys_are_not_editable() -> None:
    rows = [
        row("HeartbeatInterval", "901"),
        row("MeterValuesAlignedData", ""),
        row("NumberOfConnectors", "2", readonly=True),
    ]
    heartbeat, aligned, connectors = detail_rows(rows, "1.6", baseline_on=True)
    assert list(heartbeat) == ["category", "description", "name", "desiredValue", "value", "writable", "editable"]
    assert heartbeat["category"] == "core"
    assert heartbeat["description"]
    assert (heartbeat["desiredValue"], heartbeat["value"], heartbeat["writable"], heartbeat["editable"]) == (
        900,
        "901",
        True,
        False,
    )
    # Known, no desired value: no desiredValue field at all (as in the seed), and editable.
    assert "desiredValue" not in aligned
    assert aligned["editable"] is True
    assert connectors["writable"] is False
    assert connectors["editable"] is True


def test_vendor_keys_are_unknown_with_no_desired_value() -> None:
    (vendor,) = detail_rows([row("VendorLedMode", "blink")], "1.6", baseline_on=True)
    assert vendor == {
        "category": "Unknown",
        "description": "Unknown",
        "name": "VendorLedMode",
        "desiredValue": "Not Defined",
        "value": "blink",
        "writable": True,
        "editable": True,
    }


def test_with_the_baseline_off_nothing_is_pinned() -> None:
    (heartbeat,) = detail_rows([row("HeartbeatInterval", "901")], "1.6", baseline_on=False)
    assert "desiredValue" not in heartbeat
    assert heartbeat["editable"] is True


def test_201_variables_take_the_desired_value_of_their_16_key() -> None:
    (heartbeat,) = detail_rows([row("OCPPCommCtrlr.HeartbeatInterval", "300")], "2.0.1", baseline_on=True)
    assert heartbeat["desiredValue"] == 900
    assert heartbeat["editable"] is False
    assert heartbeat["category"] == "core"


def test_secrets_and_missing_values_are_shown_safely() -> None:
    secret, unset = detail_rows([row("AuthorizationKey", "00112233"), row("LightIntensity", None)], "1.6", False)
    assert secret["value"] == "***"
    assert unset["value"] == ""
