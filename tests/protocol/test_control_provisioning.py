"""Provisioning through the station adapters, per OCPP version and operation: the exact request sent
(valid against the version's official schema, as the call pipe requires), the outcome of every answer a
station may give, and the input refused before anything is sent. Every call goes through
`StationControls`, which picks the adapter by the station's version."""

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest
import trustme

from switchyard.bus.local import LocalBus
from switchyard.domain import (
    Apn,
    ApnAuthentication,
    CaCertificate,
    CertificateKind,
    NetworkInterface,
    NetworkProfile,
    ProfileProtocol,
    ProfileTransport,
    ProvisionResult,
    ProvisionStatus,
    StationPassword,
    StationRef,
    Vpn,
    VpnType,
)
from switchyard.errors import CallError, CallTimeout, InvalidRequest
from switchyard.protocol.adapters import StationControls
from switchyard.protocol.redaction import redact
from tests.scripted_link import ScriptedLink, failing, schema_checked

V16 = StationRef("s" * 24, "CP-16", "1.6")
V201 = StationRef("t" * 24, "CP-201", "2.0.1")
URL = "wss://csms-2.example.com/ocpp"
_CA = trustme.CA()
ROOT_PEM = _CA.cert_pem.bytes().decode()
LEAF_PEM = _CA.issue_cert("csms.example.com").cert_chain_pems[0].bytes().decode()
KEY_16 = "00112233445566778899aabbccddeeff00112233"  # 20 bytes as 40 hex digits
PASSWORD_201 = "correct-horse-battery"
APN = Apn(
    "internet.example",
    ApnAuthentication.PAP,
    user_name="cpo",
    password="apn-secret",
    sim_pin=4711,
    preferred_network="20404",
    use_only_preferred_network=True,
)
VPN = Vpn("vpn.example.com", "cpo", password="vpn-secret", key="vpn-shared-key", type=VpnType.IKEV2, group="evse")
PROFILE_16 = NetworkProfile(URL, ProfileProtocol.OCPP16, 2, NetworkInterface.WIRED0)
PROFILE_201 = NetworkProfile(URL, ProfileProtocol.OCPP20, 3, NetworkInterface.WIRELESS0, 45, apn=APN, vpn=VPN)
PLAIN_201 = NetworkProfile("ws://10.0.0.5:8080/ocpp", ProfileProtocol.OCPP20, 1, NetworkInterface.WIRED1)
SECRETS = ("apn-secret", "4711", "vpn-secret", "vpn-shared-key", KEY_16, PASSWORD_201)

Run = Callable[[StationControls], Awaitable[ProvisionResult]]


@dataclass(frozen=True)
class Op:
    name: str
    station: StationRef
    run: Run
    action: str
    payload: dict[str, Any]


def _variable(component: str, variable: str, value: str) -> dict[str, Any]:
    item = {"attributeValue": value, "component": {"name": component}, "variable": {"name": variable}}
    return {"setVariableData": [item]}


OPS = [
    Op(
        "1.6 network profile",
        V16,
        lambda c: c.set_network_profile(V16, 2, PROFILE_16, 5),
        "ChangeConfiguration",
        {"key": "NetworkConnectionProfile2", "value": URL},
    ),
    Op(
        "1.6 connection priority",
        V16,
        lambda c: c.set_connection_priority(V16, [2, 1], 5),
        "ChangeConfiguration",
        {"key": "NetworkConfigurationPriority", "value": "NetworkConnectionProfile2,NetworkConnectionProfile1"},
    ),
    Op(
        "1.6 CSMS root",
        V16,
        lambda c: c.install_ca_certificate(V16, CaCertificate(CertificateKind.CSMS_ROOT, ROOT_PEM), 5),
        "InstallCertificate",
        {"certificateType": "CentralSystemRootCertificate", "certificate": ROOT_PEM},
    ),
    Op(
        "1.6 manufacturer root",
        V16,
        lambda c: c.install_ca_certificate(V16, CaCertificate(CertificateKind.MANUFACTURER_ROOT, ROOT_PEM), 5),
        "InstallCertificate",
        {"certificateType": "ManufacturerRootCertificate", "certificate": ROOT_PEM},
    ),
    Op(
        "1.6 password",
        V16,
        lambda c: c.set_basic_auth_password(V16, StationPassword(KEY_16), 5),
        "ChangeConfiguration",
        {"key": "AuthorizationKey", "value": KEY_16},
    ),
    Op(
        "2.0.1 network profile with APN and VPN",
        V201,
        lambda c: c.set_network_profile(V201, 2, PROFILE_201, 5),
        "SetNetworkProfile",
        {
            "configurationSlot": 2,
            "connectionData": {
                "ocppVersion": "OCPP20",
                "ocppTransport": "JSON",
                "ocppCsmsUrl": URL,
                "messageTimeout": 45,
                "securityProfile": 3,
                "ocppInterface": "Wireless0",
                "apn": {
                    "apn": "internet.example",
                    "apnAuthentication": "PAP",
                    "apnUserName": "cpo",
                    "apnPassword": "apn-secret",
                    "simPin": 4711,
                    "preferredNetwork": "20404",
                    "useOnlyPreferredNetwork": True,
                },
                "vpn": {
                    "server": "vpn.example.com",
                    "user": "cpo",
                    "group": "evse",
                    "password": "vpn-secret",
                    "key": "vpn-shared-key",
                    "type": "IKEv2",
                },
            },
        },
    ),
    Op(
        "2.0.1 network profile, optional fields left out",
        V201,
        lambda c: c.set_network_profile(V201, 0, PLAIN_201, 5),
        "SetNetworkProfile",
        {
            "configurationSlot": 0,
            "connectionData": {
                "ocppVersion": "OCPP20",
                "ocppTransport": "JSON",
                "ocppCsmsUrl": "ws://10.0.0.5:8080/ocpp",
                "messageTimeout": 30,
                "securityProfile": 1,
                "ocppInterface": "Wired1",
            },
        },
    ),
    Op(
        "2.0.1 connection priority",
        V201,
        lambda c: c.set_connection_priority(V201, [2, 0, 1], 5),
        "SetVariables",
        _variable("OCPPCommCtrlr", "NetworkConfigurationPriority", "2,0,1"),
    ),
    Op(
        "2.0.1 CSMS root",
        V201,
        lambda c: c.install_ca_certificate(V201, CaCertificate(CertificateKind.CSMS_ROOT, ROOT_PEM), 5),
        "InstallCertificate",
        {"certificateType": "CSMSRootCertificate", "certificate": ROOT_PEM},
    ),
    Op(
        "2.0.1 manufacturer root",
        V201,
        lambda c: c.install_ca_certificate(V201, CaCertificate(CertificateKind.MANUFACTURER_ROOT, ROOT_PEM), 5),
        "InstallCertificate",
        {"certificateType": "ManufacturerRootCertificate", "certificate": ROOT_PEM},
    ),
    Op(
        "2.0.1 password",
        V201,
        lambda c: c.set_basic_auth_password(V201, StationPassword(PASSWORD_201), 5),
        "SetVariables",
        _variable("SecurityCtrlr", "BasicAuthPassword", PASSWORD_201),
    ),
]

S = ProvisionStatus
# Every status word each answer defines, and one no version defines.
WORDS: dict[str, dict[str, ProvisionStatus]] = {
    "ChangeConfiguration": {
        "Accepted": S.ACCEPTED,
        "RebootRequired": S.REBOOT_REQUIRED,
        "Rejected": S.REJECTED,
        "NotSupported": S.NOT_SUPPORTED,  # the key is unknown to the station
        "Later": S.UNKNOWN,
    },
    "InstallCertificate": {"Accepted": S.ACCEPTED, "Rejected": S.REJECTED, "Failed": S.FAILED, "Later": S.UNKNOWN},
    "SetNetworkProfile": {"Accepted": S.ACCEPTED, "Rejected": S.REJECTED, "Failed": S.FAILED, "Later": S.UNKNOWN},
    "SetVariables": {
        "Accepted": S.ACCEPTED,
        "RebootRequired": S.REBOOT_REQUIRED,
        "Rejected": S.REJECTED,
        "UnknownComponent": S.NOT_SUPPORTED,
        "UnknownVariable": S.NOT_SUPPORTED,
        "NotSupportedAttributeType": S.NOT_SUPPORTED,
        "Later": S.UNKNOWN,
    },
}
INFO = {"reasonCode": "InvalidConfSlot", "additionalInfo": "why"}


def saying(word: str, ocpp: str) -> Callable[[str, dict[str, Any]], dict[str, Any]]:
    """A station answering `word` in its version's shape (2.0.1 with a statusInfo)."""

    def answer(action: str, payload: dict[str, Any]) -> dict[str, Any]:
        if action == "SetVariables":
            item = payload["setVariableData"][0]
            result = {"attributeStatus": word, "attributeStatusInfo": INFO}
            return {"setVariableResult": [result | {"component": item["component"], "variable": item["variable"]}]}
        return {"status": word} | ({"statusInfo": INFO} if ocpp == "2.0.1" else {})

    return answer


def _controls(link: ScriptedLink) -> StationControls:
    return StationControls(link, LocalBus())


ANSWERS = [
    pytest.param(op, word, status, id=f"{op.name}: {word}") for op in OPS for word, status in WORDS[op.action].items()
]


@pytest.mark.parametrize(("op", "word", "status"), ANSWERS)
async def test_each_answer_has_one_outcome(op: Op, word: str, status: ProvisionStatus) -> None:
    ocpp = op.station.ocpp_version
    link = schema_checked(ocpp, saying(word, ocpp))
    result = await op.run(_controls(link))
    assert link.calls == [(op.action, op.payload)]
    said = {"status": word} | ({"statusInfo": INFO} if ocpp == "2.0.1" else {})
    assert result == ProvisionResult(status, said)


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
@pytest.mark.parametrize("code", ["NotImplemented", "NotSupported"])
async def test_a_station_that_does_not_know_the_message_is_not_supported(op: Op, code: str) -> None:
    error = CallError(op.station.identity, op.action, code, "Requested Action is not known", {})
    link = schema_checked(op.station.ocpp_version, failing(error))
    result = await op.run(_controls(link))
    assert len(link.calls) == 1
    assert result == ProvisionResult(
        S.NOT_SUPPORTED, {"callError": code, "description": "Requested Action is not known"}
    )


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
async def test_other_call_errors_and_timeouts_raise_as_a_setting_change_does(op: Op) -> None:
    internal = CallError(op.station.identity, op.action, "InternalError", "flash full", {})
    for error in (internal, CallTimeout(op.station.identity, op.action, 5)):
        link = schema_checked(op.station.ocpp_version, failing(error))
        with pytest.raises(type(error)) as raised:
            await op.run(_controls(link))
        assert raised.value is error
        assert len(link.calls) == 1


# -- what 1.6 cannot say ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "unsaid"),
    [
        (replace(PROFILE_16, protocol=ProfileProtocol.OCPP20), r"another OCPP version \(ocpp2\.0\)"),
        (replace(PROFILE_16, transport=ProfileTransport.SOAP), "a SOAP transport"),
        (replace(PROFILE_16, apn=APN), "an APN"),
        (replace(PROFILE_16, vpn=VPN), "a VPN"),
    ],
)
async def test_16_slots_hold_a_url_only_so_other_profiles_are_not_supported_and_not_sent(
    profile: NetworkProfile, unsaid: str
) -> None:
    link = schema_checked("1.6", saying("Accepted", "1.6"))
    result = await _controls(link).set_network_profile(V16, 1, profile, 5)
    assert link.calls == []
    assert (result.status, result.sent) == (S.NOT_SUPPORTED, False)
    assert result.answer["reason"].startswith("an OCPP 1.6 network slot holds a CSMS URL only")
    assert re.search(unsaid, result.answer["reason"])


async def test_16_a_slot_key_carries_neither_timeout_nor_interface_nor_security_profile() -> None:
    """Those are station-wide 1.6 keys (MessageTimeout, SecurityProfile) or the station's own choice."""
    link = schema_checked("1.6", saying("Accepted", "1.6"))
    profile = replace(PROFILE_16, message_timeout=90, interface=NetworkInterface.WIRELESS2, security_profile=3)
    result = await _controls(link).set_network_profile(V16, 1, profile, 5)
    assert link.calls == [("ChangeConfiguration", {"key": "NetworkConnectionProfile1", "value": URL})]
    assert result == ProvisionResult(S.ACCEPTED, {"status": "Accepted"})


# -- refused before anything is sent -----------------------------------------------------------------

RDAM = StationRef("u" * 24, "RDAM 123", "2.0.1")
CSMS = CertificateKind.CSMS_ROOT
NOT_X509 = "-----BEGIN CERTIFICATE-----\nAAAAAAAA\n-----END CERTIFICATE-----\n"
PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nAAAAAAAA\n-----END PRIVATE KEY-----\n"


def _profile(station: StationRef, **changes: Any) -> Run:
    base = PROFILE_16 if station is V16 else PLAIN_201
    return lambda c: c.set_network_profile(station, 1, replace(base, **changes), 5)


def _certificate(station: StationRef, pem: str) -> Run:
    return lambda c: c.install_ca_certificate(station, CaCertificate(CSMS, pem), 5)


def _password(station: StationRef, password: str) -> Run:
    return lambda c: c.set_basic_auth_password(station, StationPassword(password), 5)


BAD_INPUT = [
    # slots and priorities
    (
        "1.6 slot 0",
        lambda c: c.set_network_profile(V16, 0, PROFILE_16, 5),
        r"configuration slot 0 is out of range: "
        r"OCPP 1\.6 network slots are the vendor keys NetworkConnectionProfile1 and NetworkConnectionProfile2",
    ),
    ("1.6 slot 3", lambda c: c.set_network_profile(V16, 3, PROFILE_16, 5), "configuration slot 3 is out of range"),
    ("1.6 empty priority", lambda c: c.set_connection_priority(V16, [], 5), "names no configuration slot"),
    ("1.6 slot twice", lambda c: c.set_connection_priority(V16, [1, 1], 5), r"a configuration slot twice: \[1, 1\]"),
    ("1.6 priority slot 3", lambda c: c.set_connection_priority(V16, [2, 3], 5), "slot 3 is out of range"),
    (
        "2.0.1 slot -1",
        lambda c: c.set_network_profile(V201, -1, PLAIN_201, 5),
        "slot -1 is out of range: slots start at 0",
    ),
    ("2.0.1 empty priority", lambda c: c.set_connection_priority(V201, [], 5), "names no configuration slot"),
    ("2.0.1 slot twice", lambda c: c.set_connection_priority(V201, [2, 1, 2], 5), r"slot twice: \[2, 1, 2\]"),
    ("2.0.1 negative slot", lambda c: c.set_connection_priority(V201, [1, -1], 5), "slot -1 is out of range"),
    # profiles
    ("empty URL", _profile(V201, csms_url=""), "csms_url is required"),
    ("http URL", _profile(V201, csms_url="http://csms.example.com/ocpp"), "must be a ws:// or wss:// URL with a host"),
    ("URL without host", _profile(V16, csms_url="wss:///ocpp"), "must be a ws:// or wss:// URL with a host"),
    ("space in URL", _profile(V16, csms_url="wss://csms.example.com/oc pp"), "must not contain whitespace"),
    ("quoted URL", _profile(V16, csms_url='"wss://csms.example.com/ocpp"'), "must not contain whitespace, quotes"),
    (
        "identity in URL",
        _profile(V201, csms_url="ws://csms.example.com/ocpp/CP-201/"),
        "csms_url must not end with the station identity 'CP-201': the station adds it",
    ),
    (
        "encoded identity in URL",
        lambda c: c.set_network_profile(
            RDAM, 1, replace(PLAIN_201, csms_url="ws://csms.example.com/ocpp/RDAM%20123"), 5
        ),
        "must not end with the station identity 'RDAM 123'",
    ),
    (
        "profile 1 over TLS",
        _profile(V201, csms_url=URL),
        "security profile 1 connects with ws://, but csms_url starts with wss://",
    ),
    (
        "profile 3 without TLS",
        _profile(V16, security_profile=3, csms_url="ws://csms.example.com/ocpp"),
        "security profile 3 connects with wss://",
    ),
    ("1.6 profile 4", _profile(V16, security_profile=4), r"security profile 4 does not exist \(0 to 3\)"),
    ("2.0.1 profile 0", _profile(V201, security_profile=0), r"OCPP 2\.0\.1 security profiles are 1 to 3; got 0"),
    ("no timeout", _profile(V201, message_timeout=0), "message_timeout must be at least 1 second; got 0"),
    ("APN without a name", _profile(V201, apn=Apn("", ApnAuthentication.NONE)), "the APN needs its access point name"),
    ("VPN without a server", _profile(V201, vpn=replace(VPN, server="")), "the VPN needs its server"),
    # certificates, either version
    ("1.6 not PEM", _certificate(V16, "MIIBhjCCASugAwIBAgIU"), "must be one PEM block"),
    ("2.0.1 not PEM", _certificate(V201, "MIIBhjCCASugAwIBAgIU"), "must be one PEM block"),
    ("a private key", _certificate(V201, PRIVATE_KEY), "must be one PEM block"),
    ("two certificates", _certificate(V16, ROOT_PEM + ROOT_PEM), "must be one PEM block"),
    ("not X.509", _certificate(V201, NOT_X509), r"PEM block is not an X\.509 certificate"),
    ("a leaf, not a CA", _certificate(V16, LEAF_PEM), r"not a CA certificate \(basicConstraints CA:FALSE\)"),
    ("too long", _certificate(V201, ROOT_PEM + " " * 5500), r"the certificate has \d+ characters; at most 5500"),
    # passwords: 1.6 AuthorizationKey is 16-20 bytes as 32-40 hex digits, 2.0.1 BasicAuthPassword 16-40 characters
    ("1.6 not hex", _password(V16, "not-hex-but-20-chars"), "AuthorizationKey must contain only hexadecimal digits"),
    ("1.6 15 bytes", _password(V16, "00" * 15), "AuthorizationKey must be at least 32 hexadecimal digits"),
    ("1.6 half a byte", _password(V16, "0" * 33), "AuthorizationKey must have an even number of hexadecimal digits"),
    ("1.6 21 bytes", _password(V16, "00" * 21), "AuthorizationKey must be at most 40 hexadecimal digits"),
    (
        "2.0.1 15 characters",
        _password(V201, "x" * 15),
        "SecurityCtrlr.BasicAuthPassword must be at least 16 characters",
    ),
    ("2.0.1 41 characters", _password(V201, "x" * 41), "SecurityCtrlr.BasicAuthPassword must be at most 40 characters"),
    ("2.0.1 control character", _password(V201, "sixteen-chars-ok\n"), "must not contain control characters"),
]


@pytest.mark.parametrize(("run", "message"), [pytest.param(run, msg, id=name) for name, run, msg in BAD_INPUT])
async def test_bad_input_is_refused_before_anything_is_sent(run: Run, message: str) -> None:
    link = ScriptedLink(saying("Accepted", "2.0.1"))
    with pytest.raises(InvalidRequest, match=message):
        await run(_controls(link))
    assert link.calls == []


@pytest.mark.parametrize(
    ("station_ref", "password"),
    [(V16, "00" * 16), (V16, "AB" * 20), (V201, "x" * 16), (V201, "é" * 40)],
    ids=["1.6 16 bytes", "1.6 20 bytes", "2.0.1 16 characters", "2.0.1 40 characters"],
)
async def test_the_shortest_and_longest_passwords_are_sent(station_ref: StationRef, password: str) -> None:
    link = schema_checked(station_ref.ocpp_version, saying("Accepted", station_ref.ocpp_version))
    result = await _controls(link).set_basic_auth_password(station_ref, StationPassword(password), 5)
    assert result.status is S.ACCEPTED
    assert len(link.calls) == 1


@pytest.mark.parametrize(
    ("station_ref", "password"),
    [(V16, "not-hex-but-20-chars"), (V16, "abcd" * 11), (V201, "fifteen-chars!!"), (V201, "sixteen-chars-ok\t")],
)
async def test_a_refused_password_is_never_quoted(station_ref: StationRef, password: str) -> None:
    with pytest.raises(InvalidRequest) as raised:
        await _password(station_ref, password)(_controls(ScriptedLink()))
    assert password not in str(raised.value)
    assert password not in repr(raised.value)


# -- secrets -------------------------------------------------------------------------------------------


def test_secrets_stay_out_of_reprs() -> None:
    shown = " ".join(repr(value) for value in (StationPassword(PASSWORD_201), APN, VPN, PROFILE_201))
    assert "StationPassword()" in shown
    assert not [secret for secret in SECRETS if secret in shown]


@pytest.mark.parametrize("op", [op for op in OPS if "password" in op.name or "APN" in op.name], ids=lambda op: op.name)
def test_the_message_log_redacts_every_secret_provisioning_sends(op: Op) -> None:
    logged = json.dumps(redact(op.action, op.payload))
    assert not [secret for secret in SECRETS if secret in logged]
