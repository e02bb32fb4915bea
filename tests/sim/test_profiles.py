"""The built-in firmware profiles: they load, they say what the seeds say, and bad profiles fail clearly."""

import re
from pathlib import Path
from typing import Any

import pytest
from ocpp.v16.enums import Measurand as Measurand16
from ocpp.v201 import enums as enums201
from ocpp.v201.enums import MeasurandEnumType as Measurand201

from switchyard.protocol.schemas import schema_set
from switchyard.sim.config16 import Configuration16
from switchyard.sim.device_model import DeviceModel
from switchyard.sim.profile import (
    FirmwareProfile,
    KeySpec,
    ProfileError,
    VariableSpec,
    available_profiles,
    load_profile,
    parse_profile,
)
from switchyard.sim.values import InvalidValue, check_value

DOCS = Path(__file__).resolve().parents[2] / "docs" / "simulator-profiles.md"

PROFILES_16 = ["edrv-reference-16", "vendor-b-16", "rounding-16", "reboot-heavy-16"]
PROFILES_201 = ["reference-201", "reboot-heavy-201", "rounding-201"]

# seeds/002: the eDRV station's configuration details, key -> (value, writable), in the order it reports them.
SEED_002: dict[str, tuple[str, bool]] = {
    "ClockAlignedDataInterval": ("0", True),
    "MeterValuesAlignedData": ("", True),
    "StopTxnAlignedData": ("", True),
    "AllowOfflineTxForUnknownId": ("False", True),
    "AuthorizeRemoteTxRequests": ("False", True),
    "LocalAuthorizeOffline": ("True", True),
    "LocalPreAuthorize": ("False", True),
    "AuthorizationCacheEnabled": ("True", True),
    "SupportedFileTransferProtocols": ("FTP", False),
    "HeartbeatInterval": ("901", True),
    "TransactionMessageAttempts": ("0", True),
    "TransactionMessageRetryInterval": ("60", True),
    "UnlockConnectorOnEVSideDisconnect": ("True", True),
    "WebSocketPingInterval": ("120", True),
    "ResetRetries": ("0", True),
    "LocalAuthListEnabled": ("True", True),
    "ReserveConnectorZeroSupported": ("True", False),
    "StopTxnSampledData": ("", True),
    "MeterValuesSampledData": ("Energy.Active.Import.Register", True),
    "MeterValueSampleInterval": ("30", True),
    "RegisterMeterValuesIncludePhases": ("False", True),
    "Identity": ("edrv03", True),
    "CpoName": ("", True),
    "SecurityProfile": ("0", True),
    "ChargeProfileMaxStackLevel": ("15", False),
    "ConnectorSwitch3to1PhaseSupported": ("False", False),
    "ConnectionTimeOut": ("285", True),
    "StopTransactionOnEVSideDisconnect": ("True", True),
    "MaxEnergyOnInvalidId": ("0", True),
    "StopTransactionOnInvalidId": ("False", True),
    "ConnectorPhaseRotation": ("0.RST", True),
    "ConnectorPhaseRotationMaxLength": ("0", False),
    "GetConfigurationMaxKeys": ("35", False),
    "LightIntensity": ("100", True),
    "MeterValuesAlignedDataMaxLength": ("9", False),
    "MeterValuesSampledDataMaxLength": ("9", False),
    "NumberOfConnectors": ("1", False),
    "StopTxnAlignedDataMaxLength": ("0", False),
    "StopTxnSampledDataMaxLength": ("0", False),
    "SupportedFeatureProfiles": (
        "Core,FirmwareManagement,Reservation,LocalAuthListManagement,RemoteTrigger,SmartCharging",
        False,
    ),
    "SupportedFeatureProfilesMaxLength": ("6", False),
}
# Not in seed 002: the Security Whitepaper password and the vendor network-profile keys of seed 000.
EXTRAS_16 = [
    "AuthorizationKey",
    "NetworkConnectionProfile1",
    "NetworkConnectionProfile2",
    "NetworkConfigurationPriority",
    "NetworkProfileConnectionTimeoutSec",
]
# Seed values the default profile replaces with what the simulator fills in per station.
TEMPLATED = {"Identity": "{identity}", "SecurityProfile": "1"}

MEASURAND_CSLS = ["MeterValuesAlignedData", "MeterValuesSampledData", "StopTxnAlignedData", "StopTxnSampledData"]

# The eDRV station reports ConnectorPhaseRotation "0.RST" (one item) with ConnectorPhaseRotationMaxLength 0.
# The profile keeps both, as the seed demands, so this one shipped value is beyond its own item limit.
OVER_ITS_OWN_LIMIT = {("edrv-reference-16", "ConnectorPhaseRotation")}

# Variables newer than the 2.0.1 Part 2 appendix that ocpp.v201.enums was generated from.
NEWER_201_NAMES = {("SecurityCtrlr", "AllowSecurityProfileDowngrade")}


def key(profile: FirmwareProfile, name: str) -> KeySpec:
    spec = profile.key(name)
    assert spec is not None, f"{profile.name} has no key {name}"
    return spec


def variable(
    profile: FirmwareProfile,
    component: str,
    name: str,
    instance: str | None = None,
    evse: int | None = None,
    connector: int | None = None,
) -> VariableSpec:
    for spec in profile.variables:
        if spec.address == (component, None, evse, connector, name, instance):
            return spec
    raise AssertionError(f"{profile.name} has no {component}.{name}[{instance}]")


def item_limit(profile: FirmwareProfile, spec: KeySpec) -> int | None:
    """How many items a 1.6 CSL takes, the way OCPP 1.6 (and the simulator) reads the profile."""
    if spec.type != "csl":
        return None
    if spec.limits.max_items is not None:
        return spec.limits.max_items
    length_key = profile.key(spec.limits.max_items_key or f"{spec.name}MaxLength")
    if length_key is not None and length_key.value is not None:
        return int(length_key.value)
    return 1


def readable(profile: FirmwareProfile) -> list[KeySpec]:
    return [spec for spec in profile.keys if not spec.writeonly]


# -- every built-in profile -----------------------------------------------------------------------


def test_the_built_in_profiles_are_available() -> None:
    assert set(PROFILES_16 + PROFILES_201) <= set(available_profiles())


@pytest.mark.parametrize("name", available_profiles())
def test_every_built_in_profile_loads_under_its_own_name(name: str) -> None:
    profile = load_profile(name)
    assert profile.name == name
    assert profile.ocpp == ("2.0.1" if name.endswith("-201") else "1.6")
    assert profile.description
    # What the station says in BootNotification must fit the schema of its OCPP version.
    vendor_max = 20 if profile.ocpp == "1.6" else 50
    assert 0 < len(profile.vendor) <= vendor_max
    assert 0 < len(profile.model) <= 20
    assert 0 < len(profile.firmware_version) <= 50
    if profile.ocpp == "1.6":
        assert profile.keys
        assert not profile.variables
    else:
        assert profile.variables
        assert not profile.keys


@pytest.mark.parametrize("name", available_profiles())
def test_no_built_in_profile_ships_a_value_its_own_firmware_would_reject(name: str) -> None:
    profile = load_profile(name)
    checked = 0
    for spec in [*profile.keys, *profile.variables]:
        if spec.value is None or spec.value == "{identity}":
            continue  # write-only without a value, and the identity the simulator fills in
        if isinstance(spec, KeySpec):
            kind, where, limit = spec.type, spec.name, item_limit(profile, spec)
        else:
            kind, where, limit = spec.data_type, f"{spec.component}.{spec.variable}", spec.limits.max_items
        if (name, where) in OVER_ITS_OWN_LIMIT:
            # Kept as the seed reports it; the firmware refuses every change of this key.
            with pytest.raises(InvalidValue, match="at most"):
                check_value(kind, spec.value, spec.limits, limit)
            limit = None
        try:
            check_value(kind, spec.value, spec.limits, limit)
        except InvalidValue as exc:
            pytest.fail(f"{name}: {where} = {spec.value!r}: {exc}")
        checked += 1
    assert checked > 20


@pytest.mark.parametrize("name", PROFILES_16)
def test_1_6_profiles_spell_booleans_their_way_and_fit_the_getconfiguration_schema(name: str) -> None:
    profile = load_profile(name)
    for spec in profile.keys:
        if spec.type == "boolean" and spec.value is not None:
            assert spec.value in profile.boolean_spelling, f"{spec.name} = {spec.value!r}"
        if spec.quirks.round_to and spec.value:
            assert int(spec.value) % spec.quirks.round_to == 0, f"{spec.name} is not stored as it ships"
    conf = {
        "configurationKey": [
            {"key": spec.name, "readonly": spec.readonly, **({"value": spec.value} if spec.value is not None else {})}
            for spec in readable(profile)
        ]
    }
    assert schema_set("1.6").check_response("GetConfiguration", conf) is None
    names = [spec.name.lower() for spec in profile.keys]
    assert len(names) == len(set(names)), "a key is listed twice (in some letter case)"
    assert key(profile, "GetConfigurationMaxKeys").readonly


@pytest.mark.parametrize("name", PROFILES_16)
def test_1_6_measurand_lists_offer_the_1_6_measurands(name: str) -> None:
    profile = load_profile(name)
    for csl in MEASURAND_CSLS:
        spec = key(profile, csl)
        assert spec.type == "csl"
        assert set(spec.limits.values or ()) == {m.value for m in Measurand16}, csl


@pytest.mark.parametrize("name", PROFILES_201)
def test_2_0_1_profiles_report_within_the_notify_report_schema(name: str) -> None:
    profile = load_profile(name)
    report = []
    for spec in profile.variables:
        component: dict[str, Any] = {"name": spec.component}
        if spec.component_instance:
            component["instance"] = spec.component_instance
        if spec.evse is not None:
            component["evse"] = {"id": spec.evse, **({"connectorId": spec.connector} if spec.connector else {})}
        attribute: dict[str, Any] = {"type": "Actual", "mutability": spec.mutability}
        if spec.value is not None and spec.mutability != "WriteOnly":
            attribute["value"] = spec.value
        characteristics: dict[str, Any] = {"dataType": spec.data_type, "supportsMonitoring": False}
        if spec.unit:
            characteristics["unit"] = spec.unit
        if spec.limits.values:
            characteristics["valuesList"] = ",".join(spec.limits.values)
        report.append(
            {
                "component": component,
                "variable": {"name": spec.variable, **({"instance": spec.instance} if spec.instance else {})},
                "variableAttribute": [attribute],
                "variableCharacteristics": characteristics,
            }
        )
    request = {"requestId": 1, "generatedAt": "2025-01-01T00:00:00Z", "seqNo": 0, "reportData": report}
    assert schema_set("2.0.1").check_request("NotifyReport", request) is None


@pytest.mark.parametrize("name", PROFILES_201)
def test_2_0_1_names_are_the_standard_ones(name: str) -> None:
    profile = load_profile(name)
    for spec in profile.variables:
        if (spec.component, spec.variable) in NEWER_201_NAMES:
            continue
        catalogue = getattr(enums201, f"{spec.component}VariableName")
        assert spec.variable in {member.value for member in catalogue}, f"{spec.component}.{spec.variable}"
        if spec.data_type in ("OptionList", "SequenceList", "MemberList"):
            assert spec.limits.values, f"{spec.component}.{spec.variable} needs a valuesList"
    for measurands in ("TxUpdatedMeasurands", "TxEndedMeasurands"):
        spec = variable(profile, "SampledDataCtrlr", measurands)
        assert set(spec.limits.values or ()) == {m.value for m in Measurand201}


# -- the default 1.6 profile: seed 002 plus what the simulator needs --------------------------------


def test_default_1_6_profile_has_exactly_the_seed_keys_plus_the_extras() -> None:
    profile = load_profile("edrv-reference-16")
    assert [spec.name for spec in profile.keys] == [*SEED_002, *EXTRAS_16]


def test_default_1_6_profile_has_the_seed_values_and_read_only_flags() -> None:
    profile = load_profile("edrv-reference-16")
    for name, (value, writable) in SEED_002.items():
        spec = key(profile, name)
        assert spec.value == TEMPLATED.get(name, value), name
        assert spec.readonly is not writable, name
        assert not spec.writeonly, name
    assert profile.boolean_spelling == ("True", "False")


def test_default_1_6_profile_by_name() -> None:
    profile = load_profile("edrv-reference-16")
    assert key(profile, "HeartbeatInterval").value == "901"
    assert key(profile, "HeartbeatInterval").type == "integer"
    assert key(profile, "LocalAuthorizeOffline").value == "True"
    assert key(profile, "LocalAuthorizeOffline").type == "boolean"
    assert key(profile, "SupportedFileTransferProtocols").readonly
    assert key(profile, "SupportedFeatureProfiles").type == "csl"
    assert key(profile, "StopTxnSampledDataMaxLength").value == "0"
    assert key(profile, "ConnectorPhaseRotation").value == "0.RST"
    websocket = key(profile, "WebSocketPingInterval")
    assert websocket.limits.minimum == 0
    with pytest.raises(InvalidValue):
        check_value(websocket.type, "-1", websocket.limits)
    light = key(profile, "LightIntensity")
    assert (light.limits.minimum, light.limits.maximum) == (0, 100)
    identity = key(profile, "Identity")
    assert (identity.type, identity.value) == ("string", "{identity}")
    assert identity.limits.max_length == 48
    security = key(profile, "SecurityProfile")
    assert (security.type, security.value, security.limits.minimum, security.limits.maximum) == ("integer", "1", 0, 3)
    for csl in MEASURAND_CSLS:
        assert key(profile, csl).limits.max_items_key == f"{csl}MaxLength"


def test_default_1_6_profile_has_the_password_and_network_profile_keys() -> None:
    profile = load_profile("edrv-reference-16")
    password = key(profile, "AuthorizationKey")
    assert (password.type, password.writeonly, password.value) == ("hex", True, None)
    assert (password.limits.min_length, password.limits.max_length) == (32, 40)
    for slot in ("NetworkConnectionProfile1", "NetworkConnectionProfile2"):
        assert (key(profile, slot).type, key(profile, slot).value) == ("url", "")
    priority = key(profile, "NetworkConfigurationPriority")
    assert priority.type == "csl"
    assert priority.value == "NetworkConnectionProfile1,NetworkConnectionProfile2"
    assert priority.limits.values == ("NetworkConnectionProfile1", "NetworkConnectionProfile2")
    assert priority.limits.max_items == 2
    assert priority.quirks.reboot  # seed 000: the priority change answers RebootRequired
    timeout = key(profile, "NetworkProfileConnectionTimeoutSec")
    assert timeout.type == "integer"
    assert timeout.limits.minimum == 1


def test_default_1_6_profile_needs_getconfiguration_chunking() -> None:
    profile = load_profile("edrv-reference-16")
    max_keys = key(profile, "GetConfigurationMaxKeys")
    assert (max_keys.value, max_keys.readonly) == ("35", True)
    assert len(readable(profile)) > 35


def test_default_1_6_profile_keeps_the_seed_s_zero_max_lengths() -> None:
    config = Configuration16.fresh(load_profile("edrv-reference-16"))
    assert config.change("StopTxnSampledData", "Energy.Active.Import.Register").status == "Rejected"
    assert config.change("StopTxnSampledData", "").status == "Accepted"
    assert config.change("MeterValuesSampledData", "Energy.Active.Import.Register,Voltage").status == "Accepted"
    assert config.change("ConnectorPhaseRotation", "0.RTS").status == "Rejected"
    assert config.change(
        "NetworkConfigurationPriority", "NetworkConnectionProfile2,NetworkConnectionProfile1"
    ).status == ("RebootRequired")


# -- the default 2.0.1 profile ----------------------------------------------------------------------


@pytest.mark.parametrize("name", PROFILES_201)
def test_2_0_1_profiles_have_what_the_simulator_depends_on(name: str) -> None:
    profile = load_profile(name)
    priority = variable(profile, "OCPPCommCtrlr", "NetworkConfigurationPriority")
    assert priority.data_type == "SequenceList"
    assert priority.mutability == "ReadWrite"
    assert priority.limits.values is not None
    assert len(priority.limits.values) >= 2  # B09.FR.06: at least two slots
    assert priority.value in priority.limits.values
    assert priority.quirks.reboot
    for integer, mutability in (
        ("NetworkProfileConnectionAttempts", "ReadWrite"),
        ("OfflineThreshold", "ReadWrite"),
        ("HeartbeatInterval", "ReadWrite"),
        ("ActiveNetworkProfile", "ReadOnly"),
    ):
        spec = variable(profile, "OCPPCommCtrlr", integer)
        assert (spec.data_type, spec.mutability) == ("integer", mutability), integer
    assert variable(profile, "OCPPCommCtrlr", "ActiveNetworkProfile").value == priority.value
    assert variable(profile, "OCPPCommCtrlr", "NetworkProfileConnectionAttempts").limits.minimum == 1
    timeout = variable(profile, "OCPPCommCtrlr", "MessageTimeout", "Default")
    assert (timeout.data_type, timeout.mutability) == ("integer", "ReadOnly")

    security = variable(profile, "SecurityCtrlr", "SecurityProfile")
    assert (security.data_type, security.mutability) == ("integer", "ReadOnly")
    password = variable(profile, "SecurityCtrlr", "BasicAuthPassword")
    assert (password.data_type, password.mutability, password.value) == ("string", "WriteOnly", None)
    assert (password.limits.min_length, password.limits.max_length) == (16, 40)
    identity = variable(profile, "SecurityCtrlr", "Identity")
    assert (identity.data_type, identity.value, identity.limits.max_length) == ("string", "{identity}", 48)

    for limit in ("ItemsPerMessage", "BytesPerMessage"):
        for message in ("GetReport", "GetVariables", "SetVariables"):
            spec = variable(profile, "DeviceDataCtrlr", limit, message)
            assert (spec.data_type, spec.mutability) == ("integer", "ReadOnly"), f"{limit}[{message}]"
            assert spec.value is not None
            assert int(spec.value) > 0
    # Small enough that a full report takes several NotifyReport pages.
    assert int(variable(profile, "DeviceDataCtrlr", "ItemsPerMessage", "GetReport").value or 0) < len(profile.variables)


def test_default_2_0_1_profile_by_name() -> None:
    profile = load_profile("reference-201")
    priority = variable(profile, "OCPPCommCtrlr", "NetworkConfigurationPriority")
    assert (priority.value, priority.limits.values) == ("1", ("1", "2", "3"))
    assert variable(profile, "OCPPCommCtrlr", "NetworkProfileConnectionAttempts").value == "3"
    assert variable(profile, "OCPPCommCtrlr", "ActiveNetworkProfile").value == "1"
    assert variable(profile, "OCPPCommCtrlr", "MessageTimeout", "Default").value == "30"
    assert variable(profile, "OCPPCommCtrlr", "HeartbeatInterval").unit == "s"
    assert variable(profile, "OCPPCommCtrlr", "MessageAttempts", "TransactionEvent").data_type == "integer"
    assert variable(profile, "OCPPCommCtrlr", "FileTransferProtocols").data_type == "MemberList"
    for message in ("GetReport", "GetVariables", "SetVariables"):
        assert variable(profile, "DeviceDataCtrlr", "ItemsPerMessage", message).value == "4"
    assert variable(profile, "ClockCtrlr", "DateTime").data_type == "dateTime"
    assert variable(profile, "ChargingStation", "AvailabilityState").data_type == "OptionList"
    assert variable(profile, "EVSE", "Power", evse=1).unit == "W"
    connector_type = variable(profile, "Connector", "ConnectorType", evse=1, connector=1)
    assert connector_type.mutability == "ReadOnly"
    assert connector_type.value in {m.value for m in enums201.ConnectorEnumType}
    tx_start = variable(profile, "TxCtrlr", "TxStartPoint")
    assert set(tx_start.limits.values or ()) == {m.value for m in enums201.TxStartStopPointEnumType}
    components = {spec.component for spec in profile.variables}
    assert {
        "OCPPCommCtrlr",
        "SecurityCtrlr",
        "DeviceDataCtrlr",
        "AuthCtrlr",
        "AuthCacheCtrlr",
        "LocalAuthListCtrlr",
        "TxCtrlr",
        "SampledDataCtrlr",
        "AlignedDataCtrlr",
        "ClockCtrlr",
        "ChargingStation",
        "EVSE",
        "Connector",
        "SmartChargingCtrlr",
        "ReservationCtrlr",
    } <= components


# -- the quirk profiles -----------------------------------------------------------------------------


def test_vendor_b_differs_from_the_reference() -> None:
    profile = load_profile("vendor-b-16")
    reference = load_profile("edrv-reference-16")
    assert profile.boolean_spelling == ("true", "false")
    assert key(profile, "GetConfigurationMaxKeys").value == "10"
    assert len(readable(profile)) > 3 * 10  # four GetConfiguration chunks
    assert len(profile.keys) < len(reference.keys)
    own = {spec.name for spec in profile.keys} - {spec.name for spec in reference.keys}
    assert {"MaxCurrent", "FreeChargingMode", "OcppLogLevel", "DisplayLanguage"} <= own
    assert key(profile, "OcppLogLevel").type == "enum"
    # Migration by network profiles works here too, but the priority change answers Accepted.
    for name in EXTRAS_16:
        key(profile, name)
    assert not key(profile, "NetworkConfigurationPriority").quirks.reboot
    config = Configuration16.fresh(profile)
    assert config.change("DisplayLanguage", "de").status == "Accepted"
    assert config.change("DisplayLanguage", "sv").status == "Rejected"
    assert config.render(key(profile, "LocalAuthorizeOffline"), "True") == "true"


def test_rounding_profile_stores_what_it_rounds_and_keeps_what_is_sticky() -> None:
    profile = load_profile("rounding-16")
    assert key(profile, "HeartbeatInterval").quirks.round_to == 60
    assert key(profile, "MeterValueSampleInterval").quirks.round_to == 10
    sticky = [spec.name for spec in profile.keys if spec.quirks.sticky]
    assert sticky == ["ConnectionTimeOut"]
    assert profile.key("NetworkConfigurationPriority") is None  # documented: no network-profile migration

    config = Configuration16.fresh(profile)
    assert config.change("HeartbeatInterval", "901").status == "Accepted"
    assert config.value("HeartbeatInterval") == "900"
    assert config.change("MeterValueSampleInterval", "95").status == "Accepted"
    assert config.value("MeterValueSampleInterval") == "90"
    assert config.change("ConnectionTimeOut", "300").status == "Accepted"
    assert config.value("ConnectionTimeOut") == "120"
    # Rounded and applied at the next boot: RebootRequired now, another value after the reboot.
    assert config.change("ClockAlignedDataInterval", "1000").status == "RebootRequired"
    assert config.value("ClockAlignedDataInterval") == "0"
    config.reboot()
    assert config.value("ClockAlignedDataInterval") == "900"


def test_rounding_2_0_1_profile_stores_what_it_rounds_and_keeps_what_is_sticky() -> None:
    profile = load_profile("rounding-201")
    assert variable(profile, "OCPPCommCtrlr", "HeartbeatInterval").quirks.round_to == 60
    assert variable(profile, "SampledDataCtrlr", "TxUpdatedInterval").quirks.round_to == 10
    interval = variable(profile, "AlignedDataCtrlr", "Interval")
    assert (interval.quirks.round_to, interval.quirks.reboot) == (900, True)
    assert [f"{s.component}.{s.variable}" for s in profile.variables if s.quirks.sticky] == [
        "TxCtrlr.EVConnectionTimeOut"
    ]

    model = DeviceModel(profile)

    def set_variable(component: str, name: str, value: str) -> str:
        item = {"component": {"name": component}, "variable": {"name": name}, "attributeValue": value}
        return str(model.set_variables([item])[0]["attributeStatus"])

    assert set_variable("OCPPCommCtrlr", "HeartbeatInterval", "901") == "Accepted"
    assert model.value_of("OCPPCommCtrlr", "HeartbeatInterval") == "900"
    assert set_variable("TxCtrlr", "EVConnectionTimeOut", "300") == "Accepted"
    assert model.value_of("TxCtrlr", "EVConnectionTimeOut") == "90"
    # Rounded and applied at the next boot: RebootRequired now, another value after the reboot.
    assert set_variable("AlignedDataCtrlr", "Interval", "1000") == "RebootRequired"
    assert model.value_of("AlignedDataCtrlr", "Interval") == "0"
    model.reboot()
    assert model.value_of("AlignedDataCtrlr", "Interval") == "900"


def test_reboot_heavy_1_6_profile_reboots_for_all_but_a_few_keys() -> None:
    profile = load_profile("reboot-heavy-16")
    writable = [spec for spec in profile.keys if not spec.readonly]
    immediate = {spec.name for spec in writable if not spec.quirks.reboot}
    assert immediate == {"HeartbeatInterval", "AuthorizationKey", "SecurityProfile", "LocalAuthListEnabled"}
    assert len(writable) - len(immediate) > 3 * len(immediate)

    config = Configuration16.fresh(profile)
    assert config.change("MeterValueSampleInterval", "30").status == "RebootRequired"
    assert config.value("MeterValueSampleInterval") == "60"
    assert config.change("HeartbeatInterval", "300").status == "Accepted"
    config.reboot()
    assert config.value("MeterValueSampleInterval") == "30"


def test_reboot_heavy_2_0_1_profile_reboots_for_all_but_a_few_variables() -> None:
    profile = load_profile("reboot-heavy-201")
    read_write = [spec for spec in profile.variables if spec.mutability == "ReadWrite"]
    immediate = {f"{spec.component}.{spec.variable}" for spec in read_write if not spec.quirks.reboot}
    assert immediate == {"OCPPCommCtrlr.HeartbeatInterval", "TxCtrlr.EVConnectionTimeOut"}
    assert len(read_write) > 10
    assert not variable(profile, "SecurityCtrlr", "BasicAuthPassword").quirks.reboot
    assert variable(profile, "OCPPCommCtrlr", "NetworkConfigurationPriority").limits.values == ("1", "2")
    assert variable(profile, "DeviceDataCtrlr", "ItemsPerMessage", "SetVariables").value == "1"


# -- the loader's errors ----------------------------------------------------------------------------


def profile_16(**keys: Any) -> dict[str, Any]:
    return {"ocpp": "1.6", "vendor": "V", "model": "M", "firmware": "1", "keys": keys}


def profile_201(*variables: dict[str, Any], component: str = "OCPPCommCtrlr") -> dict[str, Any]:
    return {
        "ocpp": "2.0.1",
        "vendor": "V",
        "model": "M",
        "firmware": "1",
        "components": [{"component": component, "variables": list(variables)}],
    }


def test_a_small_profile_parses_with_its_defaults() -> None:
    profile = parse_profile(profile_16(HeartbeatInterval={"type": "integer", "value": 60}), "mine.yaml")
    assert (profile.name, profile.connectors, profile.boolean_spelling) == ("mine.yaml", 1, ("true", "false"))
    spec = key(profile, "heartbeatinterval")  # key names are case-insensitive
    assert (spec.value, spec.readonly, spec.writeonly, spec.quirks.reboot) == ("60", False, False, False)
    assert key(parse_profile(profile_16(Note={})), "Note").type == "string"
    variable_only = parse_profile(profile_201({"variable": "HeartbeatInterval"})).variables[0]
    assert (variable_only.data_type, variable_only.mutability, variable_only.persistent) == (
        "string",
        "ReadWrite",
        True,
    )


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "a profile is a mapping"),
        ({**profile_16(), "colour": "red"}, "unknown field(s) colour"),
        ({**profile_16(), "ocpp": "2.1"}, 'ocpp must be "1.6" or "2.0.1"'),
        ({"ocpp": "1.6", "model": "M", "firmware": "1", "keys": {}}, "`vendor` is required"),
        ({"vendor": "V", "model": "M", "firmware": "1", "keys": {}}, "`ocpp` is required"),
        ({"ocpp": "1.6", "vendor": "V", "model": "M", "firmware": "1"}, "`keys` is required"),
        ({"ocpp": "2.0.1", "vendor": "V", "model": "M", "firmware": "1"}, "`components` is required"),
        ({**profile_16(), "keys": ["HeartbeatInterval"]}, "keys is a mapping"),
        ({**profile_16(), "boolean": ["yes"]}, "boolean is how the firmware spells"),
        (profile_16(HeartbeatInterval="60"), "key HeartbeatInterval: describe it with a mapping"),
        (
            profile_16(HeartbeatInterval={"type": "integer", "minimum": 0}),
            "key HeartbeatInterval: unknown field(s) minimum",
        ),
        (profile_16(HeartbeatInterval={"type": "int"}), "key HeartbeatInterval: type must be one of"),
        (
            profile_16(AuthorizationKey={"type": "hex", "readonly": True, "writeonly": True}),
            "both read-only and write-only",
        ),
        (profile_16(HeartbeatInterval={"type": "integer", "min": "0"}), "key HeartbeatInterval: min must be a number"),
        (profile_16(HeartbeatInterval={"type": "integer", "round_to": 0}), "round_to must be a positive integer"),
        (profile_16(MeterValuesSampledData={"type": "csl", "values": []}), "values is a non-empty list"),
        (profile_16(MeterValuesSampledData={"type": "csl", "values": "Voltage"}), "values is a non-empty list"),
    ],
)
def test_bad_1_6_profiles_fail_with_a_specific_message(document: Any, message: str) -> None:
    with pytest.raises(ProfileError, match=re.escape(message)) as caught:
        parse_profile(document, "bad.yaml")
    assert str(caught.value).startswith("bad.yaml:")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({**profile_201(), "components": {"OCPPCommCtrlr": []}}, "components is a list"),
        ({**profile_201(), "components": [{"variables": []}]}, "each component needs `component: Name`"),
        (profile_201({"name": "HeartbeatInterval"}), "component OCPPCommCtrlr: each variable needs `variable: Name`"),
        ({**profile_201(), "components": [{"component": "X", "variables": {}}]}, "component X: variables is a list"),
        ({**profile_201(), "components": [{"component": "X", "colour": 1}]}, "component X: unknown field(s) colour"),
        (
            profile_201({"variable": "HeartbeatInterval", "unit": "s", "scale": 1}),
            "HeartbeatInterval: unknown field(s) scale",
        ),
        (
            profile_201({"variable": "HeartbeatInterval", "type": "int"}),
            "OCPPCommCtrlr.HeartbeatInterval: type must be",
        ),
        (profile_201({"variable": "HeartbeatInterval", "mutability": "RW"}), "mutability must be ReadOnly, ReadWrite"),
        (
            profile_201({"variable": "NetworkConfigurationPriority", "type": "SequenceList", "value": "1"}),
            "NetworkConfigurationPriority: a SequenceList needs `values`",
        ),
        (
            profile_201({"variable": "FileTransferProtocols", "type": "MemberList"}),
            "a MemberList needs `values`",
        ),
        (
            profile_201({"variable": "Policy", "type": "OptionList"}, component="AuthCacheCtrlr"),
            "Policy: a OptionList needs",
        ),
        (
            profile_201(
                {"variable": "ItemsPerMessage", "instance": "GetReport", "type": "integer"},
                {"variable": "ItemsPerMessage", "instance": "GetReport", "type": "integer", "value": "4"},
                component="DeviceDataCtrlr",
            ),
            "DeviceDataCtrlr.ItemsPerMessage[GetReport] is listed twice",
        ),
    ],
)
def test_bad_2_0_1_profiles_fail_with_a_specific_message(document: Any, message: str) -> None:
    with pytest.raises(ProfileError, match=re.escape(message)) as caught:
        parse_profile(document, "bad.yaml")
    assert str(caught.value).startswith("bad.yaml:")


def test_the_same_variable_on_other_instances_or_evses_is_not_a_duplicate() -> None:
    document = profile_201(
        {"variable": "ItemsPerMessage", "instance": "GetReport", "type": "integer"},
        {"variable": "ItemsPerMessage", "instance": "GetVariables", "type": "integer"},
        component="DeviceDataCtrlr",
    )
    document["components"] += [
        {"component": "EVSE", "evse": 1, "variables": [{"variable": "Power", "type": "decimal"}]},
        {"component": "EVSE", "evse": 2, "variables": [{"variable": "Power", "type": "decimal"}]},
    ]
    assert len(parse_profile(document).variables) == 4


def test_load_profile_reads_a_file_and_names_it_in_errors(tmp_path: Path) -> None:
    good = tmp_path / "mine.yaml"
    good.write_text(
        'ocpp: "1.6"\nvendor: V\nmodel: M\nfirmware: "1"\nboolean: ["TRUE", "FALSE"]\n'
        'keys:\n  LocalPreAuthorize: {type: boolean, value: "FALSE"}\n',
        encoding="utf-8",
    )
    profile = load_profile(good)
    assert profile.boolean_spelling == ("TRUE", "FALSE")
    assert key(profile, "LocalPreAuthorize").value == "FALSE"
    assert load_profile(str(good)).keys == profile.keys

    broken = tmp_path / "broken.yaml"
    broken.write_text('ocpp: "1.6"\nkeys: {HeartbeatInterval: [unclosed\n', encoding="utf-8")
    with pytest.raises(ProfileError, match="not valid YAML") as caught:
        load_profile(broken)
    assert str(broken) in str(caught.value)

    incomplete = tmp_path / "incomplete.yaml"
    incomplete.write_text('ocpp: "2.0.1"\nvendor: V\nmodel: M\nfirmware: "1"\n', encoding="utf-8")
    with pytest.raises(ProfileError, match=re.escape(f"{incomplete}: `components` is required")):
        load_profile(incomplete)

    with pytest.raises((ProfileError, OSError)):
        load_profile(tmp_path / "missing.yaml")


def test_an_unknown_profile_name_lists_the_built_in_ones() -> None:
    with pytest.raises(ProfileError, match="no profile 'vendor-z-16'") as caught:
        load_profile("vendor-z-16")
    assert "edrv-reference-16" in str(caught.value)
    assert "reference-201" in str(caught.value)


def test_the_example_in_the_documentation_loads(tmp_path: Path) -> None:
    examples = re.findall(r"```yaml\n(# acme-ac22-16\.yaml.*?)```", DOCS.read_text(encoding="utf-8"), re.DOTALL)
    assert len(examples) == 1
    path = tmp_path / "acme-ac22-16.yaml"
    path.write_text(examples[0], encoding="utf-8")
    profile = load_profile(path)
    assert profile.name == "acme-ac22-16"
    assert key(profile, "HeartbeatInterval").quirks.round_to == 60
    assert key(profile, "NetworkConfigurationPriority").quirks.reboot
