"""The configuration catalogue: the brief's 1.6 key table, the 1.6 <-> 2.0.1 mapping, lookups and value checks."""

import re
from pathlib import Path
from typing import Any

import pytest
from ocpp.v16 import enums as enums16
from ocpp.v201 import enums as enums201

from switchyard.protocol import catalogue
from switchyard.protocol.catalogue import (
    CATEGORIES,
    DATA_TYPES_201,
    TYPES_16,
    Entry,
    Variable,
    all_entries,
    check_value,
    for_key_16,
    for_variable_201,
    parse_variable_name,
    to_201,
)
from switchyard.protocol.redaction import SECRET_KEYS_16, SECRET_VARIABLES
from tests.configuration.seed002 import examples

DOC = Path(__file__).resolve().parents[2] / "docs" / "catalogue.md"

# The brief's section 2.2 table: every standard 1.6 key and its GetConfiguration `readonly` flag.
# True = R, False = RW (and W for the write-only AuthorizationKey), None = "R or RW", the vendor's choice.
BRIEF_KEYS: dict[str, bool | None] = {
    # Core
    "AllowOfflineTxForUnknownId": False,
    "AuthorizationCacheEnabled": False,
    "AuthorizeRemoteTxRequests": None,
    "BlinkRepeat": False,
    "ClockAlignedDataInterval": False,
    "ConnectionTimeOut": False,
    "ConnectorPhaseRotation": False,
    "ConnectorPhaseRotationMaxLength": True,
    "GetConfigurationMaxKeys": True,
    "HeartbeatInterval": False,
    "LightIntensity": False,
    "LocalAuthorizeOffline": False,
    "LocalPreAuthorize": False,
    "MaxEnergyOnInvalidId": False,
    "MessageTimeout": False,
    "MeterValuesAlignedData": False,
    "MeterValuesAlignedDataMaxLength": True,
    "MeterValuesSampledData": False,
    "MeterValuesSampledDataMaxLength": True,
    "MeterValueSampleInterval": False,
    "MinimumStatusDuration": False,
    "NumberOfConnectors": True,
    "ResetRetries": False,
    "StopTransactionMaxMeterValues": True,
    "StopTransactionOnEVSideDisconnect": None,  # errata v4.0: R or RW
    "StopTransactionOnInvalidId": False,
    "StopTxnAlignedData": False,
    "StopTxnSampledData": False,
    "StopTxnAlignedDataMaxLength": True,
    "StopTxnSampledDataMaxLength": True,
    "SupportedFeatureProfiles": True,
    "SupportedFeatureProfilesMaxLength": True,
    "TransactionMessageAttempts": False,
    "TransactionMessageRetryInterval": False,
    "UnlockConnectorOnEVSideDisconnect": None,  # RW, but read-only (false) with a fixed cable
    "WebSocketPingInterval": False,
    # Local Auth List Management
    "LocalAuthListEnabled": False,
    "LocalAuthListMaxLength": True,
    "SendLocalListMaxLength": True,
    # Reservation
    "ReserveConnectorZeroSupported": True,
    # Smart Charging
    "ChargeProfileMaxStackLevel": True,
    "ChargingScheduleMaxPeriods": True,
    "MaxChargingProfilesInstalled": True,
    "ChargingScheduleAllowedChargingRateUnit": True,
    "ConnectorSwitch3to1PhaseSupported": True,
    # Firmware Management
    "SupportedFileTransferProtocols": True,
    # Security Whitepaper
    "AdditionalRootCertificateCheck": True,
    "AuthorizationKey": False,
    "CertificateSignedMaxChainSize": True,
    "CertificateStoreMaxLength": True,
    "CpoName": False,
    "SecurityProfile": False,
}
VENDOR_KEYS = {
    "NetworkConnectionProfile1",
    "NetworkConnectionProfile2",
    "NetworkConfigurationPriority",
    "NetworkProfileConnectionTimeoutSec",
}
ONLY_201 = {
    Variable("OCPPCommCtrlr", "NetworkProfileConnectionAttempts"),
    Variable("OCPPCommCtrlr", "OfflineThreshold"),
    Variable("OCPPCommCtrlr", "ActiveNetworkProfile"),
    Variable("SecurityCtrlr", "Identity"),
    Variable("SecurityCtrlr", "AllowSecurityProfileDowngrade"),
    Variable("DeviceDataCtrlr", "ItemsPerMessage", "SetVariables"),
    Variable("DeviceDataCtrlr", "ItemsPerMessage", "GetReport"),
    Variable("DeviceDataCtrlr", "BytesPerMessage", "GetVariables"),
    Variable("DeviceDataCtrlr", "BytesPerMessage", "SetVariables"),
    Variable("DeviceDataCtrlr", "BytesPerMessage", "GetReport"),
}
# The mapping the brief asks for, 1.6 key -> 2.0.1 variable.
BRIEF_MAPPING = {
    "HeartbeatInterval": "OCPPCommCtrlr.HeartbeatInterval",
    "WebSocketPingInterval": "OCPPCommCtrlr.WebSocketPingInterval",
    "ConnectionTimeOut": "TxCtrlr.EVConnectionTimeOut",
    "MeterValueSampleInterval": "SampledDataCtrlr.TxUpdatedInterval",
    "MeterValuesSampledData": "SampledDataCtrlr.TxUpdatedMeasurands",
    "ClockAlignedDataInterval": "AlignedDataCtrlr.Interval",
    "MeterValuesAlignedData": "AlignedDataCtrlr.Measurands",
    "StopTxnSampledData": "SampledDataCtrlr.TxEndedMeasurands",
    "StopTxnAlignedData": "AlignedDataCtrlr.TxEndedMeasurands",
    "LocalAuthorizeOffline": "AuthCtrlr.LocalAuthorizeOffline",
    "LocalPreAuthorize": "AuthCtrlr.LocalPreAuthorize",
    "AuthorizeRemoteTxRequests": "AuthCtrlr.AuthorizeRemoteStart",
    "AuthorizationCacheEnabled": "AuthCacheCtrlr.Enabled",
    "LocalAuthListEnabled": "LocalAuthListCtrlr.Enabled",
    "AllowOfflineTxForUnknownId": "AuthCtrlr.OfflineTxForUnknownIdEnabled",
    "StopTransactionOnEVSideDisconnect": "TxCtrlr.StopTxOnEVSideDisconnect",
    "StopTransactionOnInvalidId": "TxCtrlr.StopTxOnInvalidId",
    "MaxEnergyOnInvalidId": "TxCtrlr.MaxEnergyOnInvalidId",
    "UnlockConnectorOnEVSideDisconnect": "OCPPCommCtrlr.UnlockOnEVSideDisconnect",
    "ResetRetries": "OCPPCommCtrlr.ResetRetries",
    "TransactionMessageAttempts": "OCPPCommCtrlr.MessageAttempts[TransactionEvent]",
    "TransactionMessageRetryInterval": "OCPPCommCtrlr.MessageAttemptInterval[TransactionEvent]",
    "SecurityProfile": "SecurityCtrlr.SecurityProfile",
    "AuthorizationKey": "SecurityCtrlr.BasicAuthPassword",
    "CpoName": "SecurityCtrlr.OrganizationName",
    "NetworkConfigurationPriority": "OCPPCommCtrlr.NetworkConfigurationPriority",
    "GetConfigurationMaxKeys": "DeviceDataCtrlr.ItemsPerMessage[GetVariables]",
}


def entry(key: str) -> Entry:
    found = for_key_16(key)
    assert found is not None, key
    return found


# --- contents ------------------------------------------------------------------------------------


def test_the_catalogue_holds_exactly_the_brief_keys_the_vendor_keys_and_the_201_only_variables() -> None:
    keys = {e.key for e in all_entries() if e.key is not None}
    assert keys == set(BRIEF_KEYS) | VENDOR_KEYS
    assert {e.v201 for e in all_entries() if e.key is None} == ONLY_201
    assert len(all_entries()) == len(BRIEF_KEYS) + len(VENDOR_KEYS) + len(ONLY_201) == 66


@pytest.mark.parametrize(("key", "readonly"), sorted(BRIEF_KEYS.items()))
def test_every_brief_key_has_the_readonly_flag_of_the_table(key: str, readonly: bool | None) -> None:
    assert entry(key).readonly is readonly
    assert entry(key).standard


@pytest.mark.parametrize(
    ("key", "readonly"),
    [
        ("GetConfigurationMaxKeys", True),
        ("NumberOfConnectors", True),
        ("MeterValuesSampledDataMaxLength", True),
        ("SupportedFeatureProfiles", True),
        ("ChargeProfileMaxStackLevel", True),
        ("ReserveConnectorZeroSupported", True),
        ("AdditionalRootCertificateCheck", True),
        ("HeartbeatInterval", False),
        ("WebSocketPingInterval", False),
        ("LocalAuthListEnabled", False),
        ("SecurityProfile", False),
        ("CpoName", False),
        ("AuthorizeRemoteTxRequests", None),
        ("StopTransactionOnEVSideDisconnect", None),
    ],
)
def test_a_dozen_readonly_flags_explicitly(key: str, readonly: bool | None) -> None:
    assert entry(key).readonly is readonly


def test_every_standard_key_of_the_ocpp_library_is_catalogued_except_plug_and_charge() -> None:
    pnc = {
        "CentralContractValidationAllowed",
        "CertSigningWaitMinimum",
        "CertSigningRepeatTimes",
        "ContractValidationOffline",
        "ISO15118PnCEnabled",
    }
    library = {key.value for key in enums16.ConfigurationKey}
    assert library - pnc <= set(BRIEF_KEYS)
    # What the library lacks: the errata v4.0 keys.
    assert set(BRIEF_KEYS) - library == {
        "MessageTimeout",
        "StopTransactionMaxMeterValues",
        "SupportedFileTransferProtocols",
    }


def test_vendor_keys_are_marked_non_standard_and_network() -> None:
    for key in VENDOR_KEYS:
        assert not entry(key).standard
        assert entry(key).category == "network"
    assert {e.key for e in all_entries() if not e.standard} == VENDOR_KEYS


def test_write_only_and_secret_entries() -> None:
    key = entry("AuthorizationKey")
    assert key.writeonly
    assert key.secret
    assert key.readonly is False
    assert key.v201 == Variable("SecurityCtrlr", "BasicAuthPassword")
    assert key.rules("2.0.1").writeonly
    secret = [e for e in all_entries() if e.secret]
    assert secret == [key], "only AuthorizationKey / SecurityCtrlr.BasicAuthPassword hold secrets"
    assert [e for e in all_entries() if e.writeonly] == [key]
    # The redaction module hides the same ones.
    assert {e.key.lower() for e in secret if e.key} == SECRET_KEYS_16
    assert {e.v201.variable.lower() for e in secret if e.v201} == SECRET_VARIABLES


def test_url_valued_keys_are_the_network_connection_profiles() -> None:
    urls = {e.key for e in all_entries() if e.url_valued}
    assert urls == {"NetworkConnectionProfile1", "NetworkConnectionProfile2"}
    assert all(e.url_valued == (e.type == "url") for e in all_entries())


def test_reboot_hint_is_set_on_the_priority_key() -> None:
    assert {e.name for e in all_entries() if e.reboot_hint} == {"NetworkConfigurationPriority"}


@pytest.mark.parametrize(
    ("key", "minimum", "maximum", "unit"),
    [
        ("HeartbeatInterval", 0, None, "s"),
        ("ClockAlignedDataInterval", 0, None, "s"),
        ("MeterValueSampleInterval", 0, None, "s"),
        ("WebSocketPingInterval", 0, None, "s"),
        ("LightIntensity", 0, 100, "%"),
        ("SecurityProfile", 0, 3, None),
        ("MaxEnergyOnInvalidId", 0, None, "Wh"),
        ("ResetRetries", 0, None, "times"),
        ("CertificateSignedMaxChainSize", None, 10000, "bytes"),
    ],
)
def test_limits_and_units(key: str, minimum: float | None, maximum: float | None, unit: str | None) -> None:
    e = entry(key)
    assert (e.minimum, e.maximum, e.unit) == (minimum, maximum, unit)


def test_list_members() -> None:
    assert entry("MeterValuesSampledData").values == tuple(m.value for m in enums16.Measurand)
    assert entry("MeterValuesSampledData").rules("2.0.1").values == tuple(m.value for m in enums201.MeasurandEnumType)
    assert tuple(p.value for p in enums16.Phase) == catalogue.PHASES_16
    assert entry("SupportedFeatureProfiles").values == (
        "Core",
        "FirmwareManagement",
        "LocalAuthListManagement",
        "Reservation",
        "SmartCharging",
        "RemoteTrigger",
    )
    assert entry("ChargingScheduleAllowedChargingRateUnit").values == ("Current", "Power")
    assert entry("ChargingScheduleAllowedChargingRateUnit").rules("2.0.1").values == ("A", "W")
    for key in ("MeterValuesSampledData", "MeterValuesAlignedData", "StopTxnSampledData", "StopTxnAlignedData"):
        assert entry(key).max_items_key == f"{key}MaxLength"
        assert for_key_16(f"{key}MaxLength") is not None


def test_types_categories_and_data_types_are_from_the_documented_sets() -> None:
    for e in all_entries():
        assert e.category in CATEGORIES, e.name
        assert e.type in TYPES_16, e.name
        if e.v201_rules is not None:
            assert e.v201 is not None, e.name
            assert e.v201_rules.type in TYPES_16, e.name
        if e.v201 is None:
            assert e.data_type is None, e.name
            assert e.v201_rules is None, e.name
        else:
            assert e.data_type in DATA_TYPES_201, e.name
    assert entry("NetworkConfigurationPriority").data_type == "SequenceList"
    assert entry("MeterValuesSampledData").data_type == "MemberList"
    assert entry("AuthorizationKey").data_type == "string"
    assert set(CATEGORIES) == {e.category for e in all_entries()}, "no documented category is unused"


def test_categories_follow_edrv_where_edrv_has_one() -> None:
    for name, category in ((item["name"], item["category"]) for item in _edrv_details()):
        if category == "Unknown" or for_key_16(name) is None:
            continue
        if name == "ReserveConnectorZeroSupported":
            # eDRV files it under local_auth; it is a Reservation profile key (documented exception).
            assert entry(name).category == "reservation"
            continue
        assert entry(name).category == category, name


# --- descriptions ---------------------------------------------------------------------------------


def test_every_description_is_a_sentence_or_two() -> None:
    for e in all_entries():
        assert e.description, e.name
        assert e.description.strip() == e.description, e.name
        assert e.description.endswith("."), e.name
        assert len(e.description) <= 400, e.name
        if e.note is not None:
            assert e.note.endswith("."), e.name


def _edrv_details() -> list[dict[str, Any]]:
    """The details list of seed 002, verbatim (tests/configuration/seed002_examples.json)."""
    details: list[dict[str, Any]] = examples()["details"]["result"]
    assert len(details) > 30, "the seed's details list was not found"
    return details


def _edrv_descriptions() -> list[str]:
    return [item["description"] for item in _edrv_details() if item["description"] != "Unknown"]


def _normal(text: str) -> str:
    return " ".join(text.lower().split())


def test_descriptions_are_our_own_words_not_edrvs() -> None:
    theirs = [_normal(text) for text in _edrv_descriptions()]
    assert len(theirs) > 30
    runs = {text[i : i + 40] for text in theirs for i in range(max(len(text) - 39, 1))}
    for e in all_entries():
        for ours in filter(None, (e.description, e.note)):
            mine = _normal(ours)
            assert mine not in theirs, e.name
            copied = [run for run in runs if len(run) == 40 and run in mine]
            assert not copied, f"{e.name} copies eDRV text: {copied[0]!r}"


# --- mapping --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "variable"), sorted(BRIEF_MAPPING.items()))
def test_the_brief_mapping(key: str, variable: str) -> None:
    assert str(to_201(key)) == variable


def test_every_mapping_is_two_way() -> None:
    mapped = [e for e in all_entries() if e.v201 is not None]
    assert len({e.v201 for e in mapped}) == len(mapped), "a 2.0.1 variable belongs to one entry"
    for e in mapped:
        assert e.v201 is not None
        found = for_variable_201(e.v201.component, e.v201.variable, e.v201.instance)
        assert found is e
        if e.key is not None:
            assert to_201(e.key) == e.v201
            assert for_variable_201(*_parts(parse_variable_name(str(e.v201)))) is e


def _parts(variable: Variable) -> tuple[str, str, str | None]:
    return variable.component, variable.variable, variable.instance


def test_unmapped_keys_have_no_variable() -> None:
    for key in ("BlinkRepeat", "LightIntensity", "NumberOfConnectors", "SupportedFeatureProfiles"):
        assert for_key_16(key) is not None
        assert to_201(key) is None
    assert to_201("NetworkConnectionProfile1") is None
    assert to_201("NoSuchKey") is None


def test_every_201_name_is_a_name_of_the_ocpp_library() -> None:
    errata_only = {Variable("SecurityCtrlr", "AllowSecurityProfileDowngrade")}
    for e in all_entries():
        if e.v201 is None or e.v201 in errata_only:
            continue
        names = getattr(enums201, f"{e.v201.component}VariableName")
        assert e.v201.variable in {n.value for n in names}, e.v201
        if e.v201.instance is not None:
            instances = getattr(enums201, f"{e.v201.component}InstanceName")
            assert e.v201.instance in {n.value for n in instances}, e.v201


def test_the_201_side_differs_where_ocpp_says_so() -> None:
    profile = entry("SecurityProfile")
    assert (profile.rules("1.6").readonly, profile.rules("1.6").minimum) == (False, 0)
    assert (profile.rules("2.0.1").readonly, profile.rules("2.0.1").minimum) == (True, 1)
    assert entry("MessageTimeout").rules("2.0.1").readonly is True
    key = entry("AuthorizationKey")
    assert (key.rules().type, key.rules("2.0.1").type) == ("hex", "string")
    assert "hex" in (key.note or "")
    assert entry("NetworkConfigurationPriority").note is not None
    assert "Approximate" in (entry("GetConfigurationMaxKeys").note or "")
    # Without a difference the 2.0.1 side is the 1.6 side.
    assert entry("HeartbeatInterval").rules("2.0.1") == entry("HeartbeatInterval").rules("1.6")


def test_asking_for_a_side_the_entry_lacks_is_an_error() -> None:
    with pytest.raises(ValueError, match=re.escape("no OCPP 2.0.1 equivalent")):
        entry("BlinkRepeat").rules("2.0.1")
    only = for_variable_201("OCPPCommCtrlr", "OfflineThreshold")
    assert only is not None
    assert only.key is None
    with pytest.raises(ValueError, match=re.escape("no OCPP 1.6 key")):
        only.rules("1.6")
    assert only.name == "OCPPCommCtrlr.OfflineThreshold"


# --- lookups --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["HeartbeatInterval", "heartbeatinterval", "HEARTBEATINTERVAL", "hEaRtBeAtInTeRvAl"])
def test_16_lookup_is_case_insensitive(name: str) -> None:
    assert for_key_16(name) is entry("HeartbeatInterval")
    assert to_201(name) == Variable("OCPPCommCtrlr", "HeartbeatInterval")


def test_unknown_names_are_none() -> None:
    assert for_key_16("RegisterMeterValuesIncludePhases") is None
    assert for_key_16("") is None
    assert for_variable_201("OCPPCommCtrlr", "NoSuchThing") is None
    # The instance is part of the name.
    assert for_variable_201("DeviceDataCtrlr", "ItemsPerMessage") is None
    assert for_variable_201("OCPPCommCtrlr", "MessageAttempts") is None


def test_201_lookup_is_case_insensitive_instance_included() -> None:
    e = for_variable_201("ocppcommctrlr", "MESSAGEATTEMPTS", "transactionevent")
    assert e is entry("TransactionMessageAttempts")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("OCPPCommCtrlr.HeartbeatInterval", Variable("OCPPCommCtrlr", "HeartbeatInterval")),
        (
            "OCPPCommCtrlr.MessageAttempts[TransactionEvent]",
            Variable("OCPPCommCtrlr", "MessageAttempts", "TransactionEvent"),
        ),
        (
            "DeviceDataCtrlr.ItemsPerMessage[GetVariables]",
            Variable("DeviceDataCtrlr", "ItemsPerMessage", "GetVariables"),
        ),
        ("Vendor_X.Some-Var[L1-N]", Variable("Vendor_X", "Some-Var", "L1-N")),
    ],
)
def test_parse_variable_name_accepts(text: str, expected: Variable) -> None:
    assert parse_variable_name(text) == expected
    assert str(expected) == text


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty variable name"),
        ("HeartbeatInterval", "has no component"),
        ("OCPPCommCtrlr. HeartbeatInterval", "whitespace"),
        ("EVSE[1].Power", "component instances are not supported"),
        ("EVSE[1].Power[x]", "component instances are not supported"),
        ("A.B[x][y]", "only one [instance]"),
        ("A.B[x", "unbalanced or misplaced brackets"),
        ("A.Bx]", "unbalanced or misplaced brackets"),
        ("A.B[x]y", "unbalanced or misplaced brackets"),
        ("A.B[]", "empty instance"),
        ("A.B.C", "exactly one '.'"),
        (".B", "empty component name"),
        ("A.", "empty variable name"),
        ("A.B[x.y]", "the instance name has characters"),
        ("A/b.C", "the component name has characters"),
        ("A.B[x/y]", "the instance name has characters"),
        ("A." + "v" * 51, "longer than 50"),
    ],
)
def test_parse_variable_name_rejects_and_names_the_problem(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=re.escape(problem)):
        parse_variable_name(text)


# --- value checks ---------------------------------------------------------------------------------


def test_the_exact_reasons() -> None:
    assert check_value(entry("HeartbeatInterval"), "ten") == "HeartbeatInterval must be an integer; got 'ten'"
    assert check_value(entry("LightIntensity"), "120") == "LightIntensity must be between 0 and 100; got 120"
    smell = check_value(entry("MeterValuesSampledData"), "Voltage,Smell")
    assert smell is not None
    assert smell.startswith("MeterValuesSampledData: 'Smell' is not a measurand; allowed: Current.Export, ")
    assert "Energy.Active.Import.Register" in smell
    assert (
        check_value(entry("NetworkConnectionProfile2"), "wss://csms-2.example.com/ocpp ")
        == "NetworkConnectionProfile2 must not contain whitespace, quotes or invisible characters"
    )
    assert (
        check_value(entry("NetworkConnectionProfile2"), '"wss://csms-2.example.com/ocpp"')
        == "NetworkConnectionProfile2 must not contain whitespace, quotes or invisible characters"
    )


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("HeartbeatInterval", "900"),
        ("HeartbeatInterval", "0"),
        ("WebSocketPingInterval", "0"),
        ("LightIntensity", "0"),
        ("LightIntensity", "100"),
        ("SecurityProfile", "3"),
        ("LocalPreAuthorize", "true"),
        ("LocalPreAuthorize", "False"),
        ("LocalPreAuthorize", "TRUE"),
        ("MeterValuesSampledData", "Voltage,Power.Active.Import,Energy.Active.Import.Register"),
        ("MeterValuesSampledData", "Voltage.L1,Current.Import.L2,Voltage.L1-N"),
        ("StopTxnSampledData", ""),
        ("ConnectorPhaseRotation", "0.RST,1.RTS,2.NotApplicable"),
        ("SupportedFeatureProfiles", "Core,SmartCharging"),
        ("NetworkConnectionProfile2", "wss://csms-2.example.com/ocpp"),
        ("NetworkConnectionProfile2", "ws://192.168.1.101:8080/16json"),
        ("NetworkConnectionProfile1", ""),
        ("NetworkConfigurationPriority", "NetworkConnectionProfile2,NetworkConnectionProfile1"),
        ("AuthorizationKey", "00112233445566778899aabbccddeeff"),
        ("AuthorizationKey", "00112233445566778899AABBCCDDEEFF00112233"),
        ("CpoName", "Example CPO"),
    ],
)
def test_good_values_pass(key: str, value: str) -> None:
    assert check_value(entry(key), value) is None


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("HeartbeatInterval", "-1", "HeartbeatInterval must be at least 0; got -1"),
        ("HeartbeatInterval", "1.5", "HeartbeatInterval must be an integer; got '1.5'"),
        ("HeartbeatInterval", " 900", "HeartbeatInterval must be an integer; got ' 900'"),
        ("WebSocketPingInterval", "-10", "WebSocketPingInterval must be at least 0; got -10"),
        ("SecurityProfile", "4", "SecurityProfile must be between 0 and 3; got 4"),
        ("LocalPreAuthorize", "yes", "LocalPreAuthorize must be true or false; got 'yes'"),
        ("LocalPreAuthorize", "1", "LocalPreAuthorize must be true or false; got '1'"),
        (
            "MeterValuesSampledData",
            "Voltage, SoC",
            "MeterValuesSampledData: list items must not contain spaces; got 'Voltage, SoC'",
        ),
        ("MeterValuesSampledData", "Voltage,,SoC", "MeterValuesSampledData: list items must not be empty"),
        ("MeterValuesSampledData", "Voltage,Voltage", "MeterValuesSampledData: 'Voltage' is listed twice"),
        ("MeterValuesSampledData", "Voltage.L4", "MeterValuesSampledData: 'Voltage.L4' is not a measurand"),
        ("ConnectorPhaseRotation", "RST", "ConnectorPhaseRotation: 'RST' is not a phase rotation"),
        ("ConnectorPhaseRotation", "x.RST", "ConnectorPhaseRotation: 'x.RST' is not a phase rotation"),
        ("SupportedFeatureProfiles", "Core,Billing", "SupportedFeatureProfiles: 'Billing' is not a feature profile"),
        (
            "NetworkConfigurationPriority",
            "NetworkConnectionProfile2, NetworkConnectionProfile1",
            "NetworkConfigurationPriority: list items must not contain spaces",
        ),
        (
            "NetworkConfigurationPriority",
            "NetworkConnectionProfile3",
            "NetworkConfigurationPriority: 'NetworkConnectionProfile3' is not a network connection profile key",
        ),
        (
            "NetworkConnectionProfile2",
            "wss://a\tb",
            "NetworkConnectionProfile2 must not contain whitespace, quotes or invisible characters",
        ),
        (
            "NetworkConnectionProfile2",
            "wss://a'b",
            "NetworkConnectionProfile2 must not contain whitespace, quotes or invisible characters",
        ),
        (
            "NetworkConnectionProfile2",
            "https://csms.example.com",
            "NetworkConnectionProfile2 must be a ws:// or wss:// URL with a host",
        ),
        ("NetworkConnectionProfile2", "wss://", "NetworkConnectionProfile2 must be a ws:// or wss:// URL with a host"),
        ("CpoName", "x" * 65, "CpoName must be at most 64 characters; got 65"),
    ],
)
def test_bad_values_are_refused_with_a_reason(key: str, value: str, reason: str) -> None:
    got = check_value(entry(key), value)
    assert got is not None
    assert got.startswith(reason), got


def test_list_length_against_the_stations_max_length() -> None:
    e = entry("MeterValuesSampledData")
    assert check_value(e, "Voltage,SoC", max_items=2) is None
    assert check_value(e, "Voltage,SoC,Frequency", max_items=2) == "MeterValuesSampledData takes at most 2 items; got 3"
    assert check_value(e, "", max_items=0) is None


def test_secret_values_never_appear_in_reasons() -> None:
    key = entry("AuthorizationKey")
    for bad in ("not-hex-at-all-but-a-secret!", "abc", "0011", "00" * 21):
        reason = check_value(key, bad)
        assert reason is not None
        assert reason.startswith("AuthorizationKey must")
        assert bad not in reason
        assert "got" not in reason
    short = check_value(key, "tooshort", ocpp="2.0.1")
    assert short == "SecurityCtrlr.BasicAuthPassword must be at least 16 characters"
    assert check_value(key, "a UTF-8 pässword, not hex", ocpp="2.0.1") is None
    assert check_value(key, "x" * 41, ocpp="2.0.1") == "SecurityCtrlr.BasicAuthPassword must be at most 40 characters"


def test_the_201_side_is_checked_with_201_rules() -> None:
    measurands = entry("MeterValuesSampledData")
    assert check_value(measurands, "Energy.Active.Net", ocpp="2.0.1") is None
    assert check_value(measurands, "Energy.Active.Net") is not None, "not a 1.6 measurand"
    rpm = check_value(measurands, "RPM", ocpp="2.0.1")
    assert rpm is not None
    assert rpm.startswith("SampledDataCtrlr.TxUpdatedMeasurands: 'RPM' is not a measurand")
    assert check_value(entry("SecurityProfile"), "0", ocpp="2.0.1") == (
        "SecurityCtrlr.SecurityProfile must be between 1 and 3; got 0"
    )
    assert check_value(entry("NetworkConfigurationPriority"), "2,1", ocpp="2.0.1") is None
    assert check_value(entry("NetworkConfigurationPriority"), "2,1") is not None
    assert check_value(entry("HeartbeatInterval"), "ten", ocpp="2.0.1") == (
        "OCPPCommCtrlr.HeartbeatInterval must be an integer; got 'ten'"
    )


def test_201_only_entries_are_checked_under_their_variable_name() -> None:
    identity = for_variable_201("SecurityCtrlr", "Identity")
    assert identity is not None
    assert check_value(identity, "CP-0001") is None
    assert check_value(identity, "CP:0001") == "SecurityCtrlr.Identity must not contain ':'"
    assert check_value(identity, "x" * 49) == "SecurityCtrlr.Identity must be at most 48 characters; got 49"
    threshold = for_variable_201("OCPPCommCtrlr", "OfflineThreshold")
    assert threshold is not None
    assert check_value(threshold, "-1") == "OCPPCommCtrlr.OfflineThreshold must be at least 0; got -1"


def test_every_entry_accepts_a_plausible_value() -> None:
    """No entry's own rules refuse everything (a typo in limits or members would)."""
    samples = {"integer": "1", "boolean": "true", "string": "x" * 16, "url": "", "hex": "ab" * 16}
    for e in all_entries():
        rules = e.rules()
        if rules.type == "csl":
            value = "" if rules.values is None else rules.values[0]
            if rules.member_form == "connector_prefix":
                value = f"0.{value}"
        else:
            value = samples[rules.type]
        assert check_value(e, value) is None, e.name


# --- documentation --------------------------------------------------------------------------------


def test_the_documented_mapping_table_matches_the_catalogue() -> None:
    rows = re.findall(r"^\| `([A-Za-z0-9]+)` \| (`[^`]+`|—) \|", DOC.read_text(encoding="utf-8"), re.M)
    documented = {key: None if variable == "—" else variable.strip("`") for key, variable in rows}
    expected = {e.key: (str(e.v201) if e.v201 else None) for e in all_entries() if e.key is not None}
    assert documented == expected
    text = DOC.read_text(encoding="utf-8")
    for category in CATEGORIES:
        assert f"`{category}`" in text, category
