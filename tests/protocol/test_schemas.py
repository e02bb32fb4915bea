"""Schema violations map to the OCPP error code of their kind, spelled per version."""

from typing import Any

import pytest

from switchyard.protocol.schemas import schema_set

BOOT_16 = {"chargePointVendor": "Acme", "chargePointModel": "M1"}
BOOT_201 = {"reason": "PowerUp", "chargingStation": {"vendorName": "Acme", "model": "M1"}}


@pytest.mark.parametrize(
    ("version", "action", "payload", "code"),
    [
        ("1.6", "BootNotification", {**BOOT_16, "chargePointModel": 5}, "TypeConstraintViolation"),
        ("1.6", "BootNotification", {**BOOT_16, "chargePointVendor": "v" * 21}, "TypeConstraintViolation"),
        ("1.6", "BootNotification", {"chargePointModel": "M1"}, "OccurenceConstraintViolation"),
        ("1.6", "BootNotification", {**BOOT_16, "colour": "red"}, "FormationViolation"),
        (
            "1.6",
            "StatusNotification",
            {"connectorId": 1, "errorCode": "NoError", "status": "Dancing"},
            "PropertyConstraintViolation",
        ),
        ("2.0.1", "BootNotification", {**BOOT_201, "reason": "Bored"}, "PropertyConstraintViolation"),
        ("2.0.1", "BootNotification", {"reason": "PowerUp"}, "OccurrenceConstraintViolation"),
        ("2.0.1", "BootNotification", {**BOOT_201, "extra": 1}, "FormatViolation"),
        ("2.0.1", "GetVariables", {"getVariableData": []}, "OccurrenceConstraintViolation"),
        (
            "2.0.1",
            "BootNotification",
            {"reason": "PowerUp", "chargingStation": {"vendorName": "Acme", "model": ["M1"]}},
            "TypeConstraintViolation",
        ),
        ("2.0.1", "Heartbeat", {"customData": {"vendorId": "x", "anything": 1}}, None),
    ],
)
def test_violation_codes(version: str, action: str, payload: dict[str, Any], code: str | None) -> None:
    violation = schema_set(version).check_request(action, payload)
    if code is None:
        assert violation is None
    else:
        assert violation is not None
        assert violation.code == code
        assert violation.description


def test_descriptions_name_the_field() -> None:
    violation = schema_set("1.6").check_request("BootNotification", {"chargePointModel": 5, "chargePointVendor": "V"})
    assert violation is not None
    assert violation.description.startswith("chargePointModel")
    missing = schema_set("1.6").check_request("BootNotification", {"chargePointModel": "M"})
    assert missing is not None
    assert "chargePointVendor" in missing.description


def test_dates_without_offset_pass_as_the_library_lets_them() -> None:
    """1.6 stations often send timestamps without an offset; rejecting them would strand them."""
    payload = {"connectorId": 1, "errorCode": "NoError", "status": "Available", "timestamp": "2024-01-01T00:00:00"}
    assert schema_set("1.6").check_request("StatusNotification", payload) is None


def test_every_shipped_schema_is_compiled() -> None:
    assert len(schema_set("1.6").actions) == 39
    assert len(schema_set("2.0.1").actions) == 64
    for version in ("1.6", "2.0.1"):
        schemas = schema_set(version)
        assert set(schemas.requests) == set(schemas.responses)


@pytest.mark.parametrize(
    ("version", "action", "payload"),
    [
        (
            "1.6",
            "StatusNotification",
            {"connectorId": 9223372036854775808, "errorCode": "NoError", "status": "Available"},
        ),
        ("1.6", "StatusNotification", {"connectorId": 2**31, "errorCode": "NoError", "status": "Available"}),
        ("1.6", "StatusNotification", {"connectorId": -(2**31) - 1, "errorCode": "NoError", "status": "Available"}),
        ("1.6", "StartTransaction", {"connectorId": 1, "idTag": "t", "meterStart": 10**30, "timestamp": "x"}),
        (
            "2.0.1",
            "StatusNotification",
            {"timestamp": "x", "connectorStatus": "Available", "evseId": 1, "connectorId": 10**40},
        ),
        (
            "2.0.1",
            "MeterValues",
            {"evseId": 1, "meterValue": [{"timestamp": "x", "sampledValue": [{"value": 10**400}]}]},
        ),
    ],
)
def test_numbers_beyond_what_is_stored_are_property_violations(
    version: str, action: str, payload: dict[str, Any]
) -> None:
    """Regression: `connectorId: 9223372036854775808` passed the schema (it has no maximum) and the
    database refused the row later, after the station had its `{}`; OCPP integers are 32-bit."""
    violation = schema_set(version).check_request(action, payload)
    assert violation is not None
    assert violation.code == "PropertyConstraintViolation"


def test_the_largest_32_bit_integers_pass() -> None:
    payload = {"connectorId": 2**31 - 1, "errorCode": "NoError", "status": "Available"}
    assert schema_set("1.6").check_request("StatusNotification", payload) is None
