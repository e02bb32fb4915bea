"""Each version's setting rules: where a requested name points, and what the wire cannot carry."""

import pytest

from switchyard.errors import InvalidInput
from switchyard.protocol.adapters import setting_rules
from switchyard.protocol.setting_rules import entry_by_name

V16 = setting_rules("1.6")
V201 = setting_rules("2.0.1")


@pytest.mark.parametrize(
    ("version", "key", "lookup", "shown", "spelled", "unreported"),
    [
        ("1.6", "heartbeatinterval", "heartbeatinterval", "heartbeatinterval", "HeartbeatInterval", False),
        ("1.6", "VendorLedMode", "vendorledmode", "VendorLedMode", "VendorLedMode", False),
        # Write-only: never reported, so its absence from a report proves nothing.
        ("1.6", "AuthorizationKey", "authorizationkey", "AuthorizationKey", "AuthorizationKey", True),
        (
            "2.0.1",
            "OCPPCommCtrlr.HeartbeatInterval",
            "ocppcommctrlr.heartbeatinterval",
            "OCPPCommCtrlr.HeartbeatInterval",
            "OCPPCommCtrlr.HeartbeatInterval",
            False,
        ),
        # A standard 1.6 key on a 2.0.1 station points at its variable.
        (
            "2.0.1",
            "HeartbeatInterval",
            "ocppcommctrlr.heartbeatinterval",
            "HeartbeatInterval (OCPPCommCtrlr.HeartbeatInterval in OCPP 2.0.1)",
            "OCPPCommCtrlr.HeartbeatInterval",
            False,
        ),
        ("2.0.1", "EVSE@1/2.Power[max]", "evse@1/2.power[max]", "EVSE@1/2.Power[max]", "EVSE@1/2.Power[max]", False),
    ],
)
def test_where_a_requested_name_points(
    version: str, key: str, lookup: str, shown: str, spelled: str, unreported: bool
) -> None:
    located = setting_rules(version).locate(key, "1", None)
    assert (located.lookup, located.shown, located.spelled, located.may_be_unreported) == (
        lookup,
        shown,
        spelled,
        unreported,
    )


@pytest.mark.parametrize(
    ("version", "key", "value", "attribute", "reason"),
    [
        ("1.6", "HeartbeatInterval", "1", "Target", "attributeType applies to OCPP 2.0.1 variables only"),
        ("1.6", "K" * 51, "1", None, "key is 51 characters; OCPP 1.6 keys are at most 50"),
        ("1.6", "VendorKey", "v" * 501, None, "value is 501 characters; OCPP 1.6 values are at most 500"),
        ("2.0.1", "OCPPCommCtrlr.HeartbeatInterval", "1", "Maximum", "attributeType must be one of"),
        ("2.0.1", "Vendor.Thing", "v" * 1001, None, "OCPP 2.0.1 SetVariables values are at most 1000"),
        ("2.0.1", "C" * 51 + ".Variable", "1", None, "component and variable names are at most 50 characters"),
        ("2.0.1", "MadeUpKey", "1", None, "neither a Component.Variable name nor a standard 1.6 key"),
    ],
)
def test_what_the_wire_cannot_carry_is_refused(
    version: str, key: str, value: str, attribute: str | None, reason: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        setting_rules(version).locate(key, value, attribute)
    assert reason in caught.value.message


def test_names_needed_include_the_variable_a_16_key_maps_to_and_the_list_limit() -> None:
    assert V16.names_needed("MeterValuesSampledData") == {
        "metervaluessampleddata",
        "metervaluessampleddatamaxlength",
    }
    assert "ocppcommctrlr.heartbeatinterval" in V201.names_needed("HeartbeatInterval")


def test_a_desired_value_is_listed_under_the_1_6_key() -> None:
    entry = V201.entry("OCPPCommCtrlr.HeartbeatInterval")
    assert V201.pin_key("OCPPCommCtrlr.HeartbeatInterval", entry) == "HeartbeatInterval"
    assert V201.pin_key("Vendor.Thing", None) is None  # a vendor variable has no 1.6 key
    assert V16.pin_key("VendorKey", None) == "VendorKey"


@pytest.mark.parametrize(
    ("characteristics", "value", "reason"),
    [
        ({"dataType": "integer", "minLimit": 10, "maxLimit": 20}, "30", "must be between 10 and 20"),
        ({"dataType": "integer"}, "ten", "must be an integer on this station"),
        ({"dataType": "integer"}, "4294967296", "must fit a 32-bit integer"),
        ({"dataType": "boolean"}, "yes", "must be true or false"),
        ({"dataType": "OptionList", "valuesList": "A,B"}, "C", "'C' is not one of A, B"),
        ({"dataType": "MemberList", "valuesList": "A,B"}, "A,C", "'C' is not one of A, B"),
        ({"dataType": "string", "maxLimit": 3}, "abcd", "is at most 3 characters on this station"),
    ],
)
def test_a_201_station_s_own_characteristics_bound_the_value(
    characteristics: dict[str, object], value: str, reason: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        V201.check_reported("Vendor.Thing", characteristics, value)
    assert reason in caught.value.message
    V16.check_reported("VendorKey", characteristics, value)  # 1.6 stations describe no such thing


def test_an_entry_is_found_by_the_shape_of_its_name() -> None:
    by_key, by_variable = entry_by_name("AuthorizationKey"), entry_by_name("SecurityCtrlr.BasicAuthPassword")
    assert by_key is not None
    assert by_key.secret
    assert by_variable is not None
    assert by_variable.secret
    assert entry_by_name("Vendor.Thing") is None


def test_a_version_without_rules_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"OCPP '2\.1' has no setting rules"):
        setting_rules("2.1")
