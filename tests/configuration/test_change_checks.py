"""Every check a change request passes before anything is stored or sent, one refusal per test."""

from datetime import UTC, datetime

import pytest

from switchyard.core.action_targets import SettingTarget
from switchyard.core.change_checks import Reported, StationView, resolve_change, value_text
from switchyard.errors import Conflict, DomainError, InvalidInput

READ_AT = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def station_16(baseline_on: bool = False, **extra: Reported) -> StationView:
    reported = {
        "HeartbeatInterval": Reported("HeartbeatInterval", "300", False),
        "MeterValueSampleInterval": Reported("MeterValueSampleInterval", "60", False),
        "NumberOfConnectors": Reported("NumberOfConnectors", "2", True),
        "MeterValuesSampledData": Reported("MeterValuesSampledData", "Energy.Active.Import.Register", False),
        "MeterValuesSampledDataMaxLength": Reported("MeterValuesSampledDataMaxLength", "2", True),
        "WebSocketPingInterval": Reported("WebSocketPingInterval", "60", False),
        "VendorBackendUrl": Reported("VendorBackendUrl", "ws://old.example/ocpp", False),
        "VendorLedMode": Reported("VendorLedMode", "blink", False),
        **extra,
    }
    return StationView(
        "s" * 24, "CP-16", "1.6", READ_AT, {name.lower(): row for name, row in reported.items()}, baseline_on
    )


def station_201(baseline_on: bool = False) -> StationView:
    rows = [
        Reported("OCPPCommCtrlr.HeartbeatInterval", "300", False, characteristics={"dataType": "integer"}),
        Reported(
            "SampledDataCtrlr.TxUpdatedInterval",
            "60",
            False,
            characteristics={"dataType": "integer", "minLimit": 0, "maxLimit": 3600},
        ),
        Reported("SecurityCtrlr.BasicAuthPassword", None, False, writeonly=True),
        Reported("SecurityCtrlr.SecurityProfile", "1", True),
        Reported("EVSE@1.Power", "22000", True),
        Reported(
            "VendorCtrlr.Mode",
            "eco",
            False,
            characteristics={"dataType": "OptionList", "valuesList": "eco,boost"},
        ),
        Reported("DeviceDataCtrlr.ItemsPerMessage[GetVariables]", "4", True),
    ]
    return StationView("t" * 24, "CP-201", "2.0.1", READ_AT, {r.name.lower(): r for r in rows}, baseline_on)


def refusal(view: StationView, key: str, value: str, attribute_type: str | None = None) -> DomainError:
    with pytest.raises(DomainError) as caught:
        resolve_change(view, key, value, attribute_type)
    return caught.value


# -- what a valid request resolves to --------------------------------------------------------------


def test_a_16_change_resolves_to_the_station_spelling_kind_and_value_before() -> None:
    resolved = resolve_change(station_16(), "heartbeatinterval", "600")
    assert resolved.name == "HeartbeatInterval"
    assert resolved.target == SettingTarget("HeartbeatInterval", kind="integer", asked="heartbeatinterval")
    # Stored as before issue 9, and read back to the same target.
    assert resolved.target.stored() == {"name": "HeartbeatInterval", "kind": "integer", "asked": "heartbeatinterval"}
    assert SettingTarget.of(resolved.target.stored()) == resolved.target
    assert resolved.value_before == "300"
    assert not resolved.secret


def test_a_16_key_name_works_on_a_201_station() -> None:
    resolved = resolve_change(station_201(), "HeartbeatInterval", "600")
    assert resolved.target.name == "OCPPCommCtrlr.HeartbeatInterval"
    assert resolved.value_before == "300"


def test_201_attribute_types_reach_the_target() -> None:
    resolved = resolve_change(station_201(), "SampledDataCtrlr.TxUpdatedInterval", "30", "Target")
    assert resolved.target.attribute == "Target"
    assert resolved.target.stored()["attributeType"] == "Target"


def test_a_secret_is_marked_secret_and_its_value_never_kept_as_before() -> None:
    resolved = resolve_change(station_16(), "AuthorizationKey", "00112233445566778899aabbccddeeff")
    assert resolved.secret
    assert resolved.target.writeonly
    assert resolved.target.password
    assert resolved.value_before is None
    on_201 = resolve_change(station_201(), "SecurityCtrlr.BasicAuthPassword", "a-new-password-of-24ch")
    assert on_201.secret
    assert on_201.target.password


def test_a_vendor_key_the_station_reported_is_accepted_as_is() -> None:
    resolved = resolve_change(station_16(), "VendorLedMode", "steady")
    assert resolved.target == SettingTarget("VendorLedMode")


def test_setting_a_pinned_key_to_its_desired_value_is_allowed() -> None:
    resolved = resolve_change(station_16(baseline_on=True), "HeartbeatInterval", "900")
    assert resolved.value == "900"


@pytest.mark.parametrize(
    ("given", "text"),
    [
        ("901", "901"),
        (901, "901"),
        (900.0, "900"),
        (0.5, "0.5"),
        (0.00001, "0.00001"),  # positional, not repr's 1e-05
        (True, "true"),
        (False, "false"),
        (["A", "B"], "A,B"),
    ],
)
def test_json_values_become_the_text_the_station_holds(given: object, text: str) -> None:
    assert value_text(given) == text


@pytest.mark.parametrize(("given", "named"), [(None, "null"), ({"a": 1}, "an object"), ([1, 2], "a list")])
def test_other_json_values_are_refused_by_their_json_type(given: object, named: str) -> None:
    with pytest.raises(InvalidInput, match=named):
        value_text(given)


# -- refusals -------------------------------------------------------------------------------------


def test_nothing_can_be_changed_before_the_configuration_was_read() -> None:
    view = StationView("s" * 24, "CP-16", "1.6", None, {}, False)
    error = refusal(view, "HeartbeatInterval", "600")
    assert isinstance(error, Conflict)
    assert "has not been read yet" in error.message
    assert "/configurations" in error.message


def test_a_key_unknown_to_the_last_report_is_refused() -> None:
    error = refusal(station_16(), "HeartbeatIntervall", "600")
    assert isinstance(error, InvalidInput)
    assert error.message == ("HeartbeatIntervall is not among the settings CP-16 reported at 2026-11-22T12:00:00.000Z")


def test_a_201_name_unknown_to_the_report_is_refused_with_its_mapping() -> None:
    error = refusal(station_201(), "ConnectionTimeOut", "60")
    assert "ConnectionTimeOut (TxCtrlr.EVConnectionTimeOut in OCPP 2.0.1) is not among" in error.message


def test_a_name_that_is_neither_a_variable_nor_a_16_key_is_refused_on_201() -> None:
    error = refusal(station_201(), "NoSuchKey", "1")
    assert "neither a Component.Variable name nor a standard 1.6 key" in error.message


def test_read_only_keys_are_refused() -> None:
    assert refusal(station_16(), "NumberOfConnectors", "3").message == "NumberOfConnectors is read-only on CP-16"
    assert "read-only" in refusal(station_201(), "SecurityCtrlr.SecurityProfile", "2").message
    assert "read-only" in refusal(station_201(), "EVSE@1.Power", "11000").message


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("HeartbeatInterval", "ten", "HeartbeatInterval must be an integer; got 'ten'"),
        ("WebSocketPingInterval", "-1", "WebSocketPingInterval must be at least 0; got -1"),
        ("MeterValuesSampledData", "Energy.Active.Import.Register,Bogus", "'Bogus' is not a measurand"),
        (
            "MeterValuesSampledData",
            "Energy.Active.Import.Register,Voltage,Current.Import",
            "takes at most 2 items; got 3",
        ),
    ],
)
def test_values_of_the_wrong_type_or_out_of_limits_are_refused(key: str, value: str, message: str) -> None:
    assert message in refusal(station_16(), key, value).message


def test_the_201_station_s_own_characteristics_are_enforced() -> None:
    assert "between 0 and 3600" in refusal(station_201(), "SampledDataCtrlr.TxUpdatedInterval", "4000").message
    assert "'turbo' is not one of eco, boost" in refusal(station_201(), "VendorCtrlr.Mode", "turbo").message


@pytest.mark.parametrize("value", ["+7", " 5 ", "1_0", "\u0663", "nan", "99999999999"])
def test_a_201_integer_is_ascii_digits_within_32_bits(value: str) -> None:
    # Python's int() takes all but the last of these; no station parses them the same way.
    message = refusal(station_201(), "SampledDataCtrlr.TxUpdatedInterval", value).message
    assert message.startswith("SampledDataCtrlr.TxUpdatedInterval must "), message


def test_a_201_vendor_variable_is_url_valued_by_its_own_name() -> None:
    view = station_201()
    for name in ("VendorCtrlr.BackendUrl[2]", "VendorCtrlr[url].Address"):
        view.reported[name.lower()] = Reported(name, "", False)
    assert "holds a URL" in refusal(view, "VendorCtrlr.BackendUrl[2]", "ws://a b").message
    resolve_change(view, "VendorCtrlr[url].Address", "Main Street 1")  # an address, not a URL


def test_key_and_value_lengths_follow_each_version() -> None:
    long_key = "K" * 51
    assert refusal(station_16(), long_key, "1").message == "key is 51 characters; OCPP 1.6 keys are at most 50"
    assert refusal(station_16(), "VendorLedMode", "v" * 501).message == (
        "value is 501 characters; OCPP 1.6 values are at most 500"
    )
    resolve_change(station_201(), "VendorCtrlr.Mode", "eco")  # sanity: the station is otherwise fine
    assert "at most 1000" in refusal(station_201(), "VendorCtrlr.Mode", "v" * 1001).message


@pytest.mark.parametrize("value", ["ws://new.example/ocpp ", "ws://new example/ocpp", "'ws://new.example/ocpp'", '"x"'])
def test_url_valued_keys_refuse_whitespace_and_quotes(value: str) -> None:
    assert refusal(station_16(), "VendorBackendUrl", value).message == (
        "VendorBackendUrl holds a URL; it must not contain whitespace, quotes or invisible characters"
    )


def test_a_pinned_key_is_refused_naming_the_baseline() -> None:
    error = refusal(station_16(baseline_on=True), "HeartbeatInterval", "901")
    assert isinstance(error, Conflict)
    assert error.message.startswith("HeartbeatInterval is pinned to 900 by the recommended baseline")
    assert "baselineEnabled" in error.message
    on_201 = refusal(station_201(baseline_on=True), "OCPPCommCtrlr.HeartbeatInterval", "901")
    assert isinstance(on_201, Conflict)


def test_attribute_types_are_for_201_only_and_must_be_known() -> None:
    assert "OCPP 2.0.1 variables only" in refusal(station_16(), "HeartbeatInterval", "600", "Target").message
    assert "attributeType must be one of" in refusal(station_201(), "HeartbeatInterval", "600", "Maximum").message


def test_a_secret_value_is_never_quoted_in_a_refusal() -> None:
    message = refusal(station_16(), "AuthorizationKey", "not-hex-secret-value-xyz").message
    assert "not-hex-secret-value-xyz" not in message


def test_the_longest_201_address_fits_where_it_is_stored() -> None:
    # Regression: the column held 160 characters; PostgreSQL would refuse a report with a longer address.
    from switchyard.protocol.setting_names import parse_address
    from switchyard.store.config_tables import ReportedSetting

    part = "x" * 50
    name = f"{part}[{part}]@2147483647/2147483647.{part}[{part}]"
    assert parse_address(name) is not None
    assert len(name) <= ReportedSetting.__table__.c.name.type.length  # type: ignore[attr-defined]
