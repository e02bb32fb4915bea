"""The reads before and after a migration, through the station adapters: `read_network` and
`installed_ca_certificates`, per OCPP version. The exact requests sent (valid against the version's
official schema, as the call pipe requires), and what each kind of answer becomes (every scripted
answer is valid against the official schema too, as the call pipe makes sure of real ones). Every call
goes through `StationControls`, which picks the adapter by the station's version."""

from typing import Any

import pytest

from switchyard.bus.local import LocalBus
from switchyard.domain import CertificateKind, StationRef
from switchyard.errors import CallError, CallTimeout
from switchyard.protocol.adapters import StationControls
from switchyard.station_network import InstalledCertificate, NetworkPicture
from tests.scripted_link import Answer, ScriptedLink, failing, schema_checked

V16 = StationRef("s" * 24, "CP-16", "1.6")
V201 = StationRef("t" * 24, "CP-201", "2.0.1")
URL_1 = "wss://csms-1.example.com/ocpp"
URL_2 = "wss://csms-2.example.com/ocpp"


def station(ocpp: str, answer: Answer) -> ScriptedLink:
    """Requests and answers checked against the official schema."""
    return schema_checked(ocpp, answer, check_answers=True)


def _controls(link: ScriptedLink) -> StationControls:
    return StationControls(link, LocalBus())


# -- 1.6: seed 000's vendor keys -------------------------------------------------------------------

KEYS_16 = [
    "NetworkConnectionProfile1",
    "NetworkConnectionProfile2",
    "NetworkConfigurationPriority",
    "NetworkProfileConnectionTimeoutSec",
    "SecurityProfile",
]
SEED_000 = {  # the example answer of seed 000, step 1
    "configurationKey": [
        {"key": "NetworkConnectionProfile1", "readonly": False, "value": URL_1},
        {"key": "NetworkConnectionProfile2", "readonly": False, "value": ""},
        {
            "key": "NetworkConfigurationPriority",
            "readonly": False,
            "value": "NetworkConnectionProfile1,NetworkConnectionProfile2",
        },
    ],
    "unknownKey": ["NetworkProfileConnectionTimeoutSec", "SecurityProfile"],
}


def configuration(**values: str | None) -> Answer:
    """A 1.6 station knowing the keys given (None: known, reported without a value); the rest are unknown."""

    def answer(action: str, payload: dict[str, Any]) -> dict[str, Any]:
        entries = [
            {"key": key, "readonly": False} | ({} if value is None else {"value": value})
            for key, value in values.items()
        ]
        known = {key.lower() for key in values}
        unknown = [key for key in payload["key"] if key.lower() not in known]
        return {"configurationKey": entries} | ({"unknownKey": unknown} if unknown else {})

    return answer


def seed_keys(**changes: str | None) -> dict[str, str | None]:
    """Every key of the read, as a station would have them after seed 000's step 3, with `changes`."""
    keys: dict[str, str | None] = {
        "NetworkConnectionProfile1": URL_1,
        "NetworkConnectionProfile2": URL_2,
        "NetworkConfigurationPriority": "NetworkConnectionProfile2,NetworkConnectionProfile1",
        "NetworkProfileConnectionTimeoutSec": "30",
        "SecurityProfile": "2",
    }
    return keys | changes


async def read_16(answer: Answer) -> NetworkPicture:
    link = station("1.6", answer)
    picture = await _controls(link).read_network(V16, 5)
    assert link.calls == [("GetConfiguration", {"key": KEYS_16})]
    return picture


async def test_16_seed_000s_example_answer() -> None:
    picture = await read_16(lambda action, payload: SEED_000)
    assert picture == NetworkPicture(
        slots={1: URL_1, 2: ""},
        priority=(1, 2),
        values={
            "NetworkConnectionProfile1": URL_1,
            "NetworkConnectionProfile2": "",
            "NetworkConfigurationPriority": "NetworkConnectionProfile1,NetworkConnectionProfile2",
            "NetworkProfileConnectionTimeoutSec": None,
            "SecurityProfile": None,
        },
    )
    assert (picture.first, picture.active_slot, picture.missing) == (1, None, ())


async def test_16_every_key_known_after_the_priority_was_swapped() -> None:
    picture = await read_16(configuration(**seed_keys()))
    assert picture == NetworkPicture(
        slots={1: URL_1, 2: URL_2}, priority=(2, 1), security_profile=2, connection_timeout=30, values=seed_keys()
    )
    assert picture.first == 2


async def test_16_keys_are_read_in_the_stations_own_spelling() -> None:
    said = {
        key.upper(): value for key, value in seed_keys(NetworkConfigurationPriority="NETWORKCONNECTIONPROFILE2").items()
    }
    picture = await read_16(configuration(**said))
    assert (picture.slots, picture.priority, picture.missing) == ({1: URL_1, 2: URL_2}, (2,), ())
    assert picture.values["SecurityProfile"] == "2"


@pytest.mark.parametrize(
    ("unknown", "missing"),
    [
        (KEYS_16, ("NetworkConnectionProfile1", "NetworkConnectionProfile2", "NetworkConfigurationPriority")),
        (["NetworkConnectionProfile2"], ("NetworkConnectionProfile2",)),
        (["NetworkConfigurationPriority"], ("NetworkConfigurationPriority",)),
        (["NetworkProfileConnectionTimeoutSec", "SecurityProfile"], ()),  # optional: they only add to the picture
    ],
    ids=["none known", "slot 2 unknown", "priority unknown", "optional keys unknown"],
)
async def test_16_unknown_keys_the_method_needs_are_missing(unknown: list[str], missing: tuple[str, ...]) -> None:
    known = {key: value for key, value in seed_keys().items() if key not in unknown}
    picture = await read_16(configuration(**known))
    assert picture.missing == missing
    assert set(picture.slots) == {int(key[-1]) for key in known if key.startswith("NetworkConnectionProfile")}
    assert picture.values == {key: known.get(key) for key in KEYS_16}


async def test_16_a_key_left_out_of_the_answer_is_unknown() -> None:
    """Neither reported nor listed as unknown: the station does not say it has it."""
    answer = {"configurationKey": [{"key": "NetworkConnectionProfile1", "readonly": False, "value": URL_1}]}
    picture = await read_16(lambda action, payload: answer)
    assert picture.missing == ("NetworkConnectionProfile2", "NetworkConfigurationPriority")
    assert (picture.slots, picture.priority) == ({1: URL_1}, ())


async def test_16_a_slot_key_known_without_a_value_is_an_empty_slot() -> None:
    picture = await read_16(configuration(**seed_keys(NetworkConnectionProfile2=None)))
    assert picture.slots == {1: URL_1, 2: ""}
    assert picture.values["NetworkConnectionProfile2"] is None
    assert picture.missing == ()


@pytest.mark.parametrize(
    ("said", "priority"),
    [
        ("NetworkConnectionProfile2,NetworkConnectionProfile1", (2, 1)),
        (" NetworkConnectionProfile2 , NetworkConnectionProfile1 ", (2, 1)),
        ("NetworkConnectionProfile1,,NetworkConnectionProfile2,", (1, 2)),
        ("networkconnectionprofile2", (2,)),
    ],
)
async def test_16_the_priority_is_read_leniently(said: str, priority: tuple[int, ...]) -> None:
    picture = await read_16(configuration(**seed_keys(NetworkConfigurationPriority=said)))
    assert (picture.priority, picture.missing) == (priority, ())
    assert picture.values["NetworkConfigurationPriority"] == said


@pytest.mark.parametrize(
    "said",
    [
        "NetworkConnectionProfile3,NetworkConnectionProfile1",  # a slot this method does not know
        "NetworkConnectionProfile1;NetworkConnectionProfile2",
        URL_2,
        "1,2",
        "NetworkConnectionProfile1,NetworkConnectionProfile1",
        "",
        " , ",
    ],
)
async def test_16_a_priority_naming_other_things_is_unreadable(said: str) -> None:
    picture = await read_16(configuration(**seed_keys(NetworkConfigurationPriority=said)))
    assert picture.priority == ()
    assert picture.first is None
    assert picture.missing == (f"NetworkConfigurationPriority (unreadable: {said!r})",)
    assert picture.values["NetworkConfigurationPriority"] == said
    assert picture.slots == {1: URL_1, 2: URL_2}


async def test_16_a_priority_known_without_a_value_is_unreadable() -> None:
    picture = await read_16(configuration(**seed_keys(NetworkConfigurationPriority=None)))
    assert (picture.priority, picture.missing) == ((), ("NetworkConfigurationPriority (unreadable: '')",))


@pytest.mark.parametrize(
    ("said", "number"),
    [("3", 3), (" 3 ", 3), ("0", 0), ("three", None), ("30s", None), ("1.5", None), ("", None), (None, None)],
)
async def test_16_numbers_are_read_when_they_are_whole_numbers(said: str | None, number: int | None) -> None:
    keys = seed_keys(SecurityProfile=said, NetworkProfileConnectionTimeoutSec=said)
    picture = await read_16(configuration(**keys))
    assert (picture.security_profile, picture.connection_timeout) == (number, number)
    assert picture.values["SecurityProfile"] == said
    assert picture.missing == ()


# -- 2.0.1: the OCPPCommCtrlr and SecurityCtrlr variables ------------------------------------------

PRIORITY = ("OCPPCommCtrlr", "NetworkConfigurationPriority")
ACTIVE = ("OCPPCommCtrlr", "ActiveNetworkProfile")
ATTEMPTS = ("OCPPCommCtrlr", "NetworkProfileConnectionAttempts")
SECURITY = ("SecurityCtrlr", "SecurityProfile")
VARIABLES = [PRIORITY, ACTIVE, ATTEMPTS, SECURITY]
NAMES = [".".join(variable) for variable in VARIABLES]


def _item(component: str, variable: str) -> dict[str, Any]:
    return {"component": {"name": component}, "variable": {"name": variable}}


Said = str | tuple[str, str | None]  # a value (Accepted), or a status and its reason code


def device_model(said: dict[tuple[str, str], Said], items_per_message: int = 10) -> Answer:
    """A 2.0.1 station: the value of each variable in `said`, UnknownVariable for the rest (UnknownComponent
    for a component it has none of); items past `items_per_message` are Rejected / TooManyElements."""
    components = {component for component, _ in said}

    def result(index: int, item: dict[str, Any]) -> dict[str, Any]:
        where = (item["component"]["name"], item["variable"]["name"])
        answer = said.get(where, ("UnknownComponent" if where[0] not in components else "UnknownVariable", None))
        if index >= items_per_message:
            answer = ("Rejected", "TooManyElements")
        found = {"component": item["component"], "variable": item["variable"]}
        if isinstance(answer, str):
            return found | {"attributeStatus": "Accepted", "attributeValue": answer}
        status, reason = answer
        return found | {"attributeStatus": status} | ({"attributeStatusInfo": {"reasonCode": reason}} if reason else {})

    def answer(action: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {"getVariableResult": [result(index, item) for index, item in enumerate(payload["getVariableData"])]}

    return answer


MIGRATED: dict[tuple[str, str], Said] = {PRIORITY: "2,1", ACTIVE: "2", ATTEMPTS: "3", SECURITY: "2"}


async def read_201(answer: Answer) -> NetworkPicture:
    link = station("2.0.1", answer)
    picture = await _controls(link).read_network(V201, 5)
    assert link.calls == [("GetVariables", {"getVariableData": [_item(*variable) for variable in VARIABLES]})]
    return picture


async def test_201_every_variable_known() -> None:
    picture = await read_201(device_model(MIGRATED))
    assert picture == NetworkPicture(
        slots={},
        priority=(2, 1),
        active_slot=2,
        security_profile=2,
        connection_attempts=3,
        values=dict(zip(NAMES, ["2,1", "2", "3", "2"], strict=True)),
    )
    assert (picture.first, picture.missing, picture.connection_timeout) == (2, (), None)


@pytest.mark.parametrize(("said", "priority"), [("2, 1", (2, 1)), (" 0 ,2,", (0, 2)), ("1", (1,)), ("3,,1", (3, 1))])
async def test_201_the_priority_is_read_leniently(said: str, priority: tuple[int, ...]) -> None:
    picture = await read_201(device_model(MIGRATED | {PRIORITY: said}))
    assert (picture.priority, picture.missing) == (priority, ())


@pytest.mark.parametrize("status", ["UnknownVariable", "UnknownComponent", "Rejected"])
async def test_201_an_unknown_priority_is_missing(status: str) -> None:
    picture = await read_201(device_model(MIGRATED | {PRIORITY: (status, None)}))
    assert (picture.priority, picture.missing) == ((), ("OCPPCommCtrlr.NetworkConfigurationPriority",))
    assert picture.values["OCPPCommCtrlr.NetworkConfigurationPriority"] is None
    assert picture.active_slot == 2


async def test_201_unknown_optional_variables_only_leave_the_picture_emptier() -> None:
    """No SecurityCtrlr at all, no ActiveNetworkProfile (optional before the 2025 errata)."""
    picture = await read_201(device_model({PRIORITY: "1,2", ATTEMPTS: "3"}))
    assert picture == NetworkPicture(
        slots={}, priority=(1, 2), connection_attempts=3, values=dict(zip(NAMES, ["1,2", None, "3", None], strict=True))
    )


@pytest.mark.parametrize("said", ["2,a", "2;1", "1,1", "-1,2", "", " , "])
async def test_201_a_priority_naming_other_things_is_unreadable(said: str) -> None:
    picture = await read_201(device_model(MIGRATED | {PRIORITY: said}))
    assert picture.priority == ()
    assert picture.missing == (f"OCPPCommCtrlr.NetworkConfigurationPriority (unreadable: {said!r})",)
    assert picture.values["OCPPCommCtrlr.NetworkConfigurationPriority"] == said


@pytest.mark.parametrize(("said", "number"), [("3", 3), (" 1", 1), ("one", None), ("2.0", None), ("", None)])
async def test_201_numbers_are_read_when_they_are_whole_numbers(said: str, number: int | None) -> None:
    picture = await read_201(device_model({PRIORITY: "1", ACTIVE: said, ATTEMPTS: said, SECURITY: said}))
    assert (picture.active_slot, picture.connection_attempts, picture.security_profile) == (number, number, number)
    assert picture.values["SecurityCtrlr.SecurityProfile"] == said


async def test_201_variables_refused_for_the_size_of_the_request_are_asked_for_again_one_by_one() -> None:
    link = station("2.0.1", device_model(MIGRATED, items_per_message=2))
    picture = await _controls(link).read_network(V201, 5)
    assert link.calls == [
        ("GetVariables", {"getVariableData": [_item(*variable) for variable in VARIABLES]}),
        ("GetVariables", {"getVariableData": [_item(*ATTEMPTS)]}),
        ("GetVariables", {"getVariableData": [_item(*SECURITY)]}),
    ]
    assert (picture.priority, picture.connection_attempts, picture.security_profile, picture.missing) == (
        (2, 1),
        3,
        2,
        (),
    )


async def test_201_a_variable_rejected_for_another_reason_is_not_asked_again() -> None:
    link = station("2.0.1", device_model(MIGRATED | {SECURITY: ("Rejected", "ReadOnly")}))
    picture = await _controls(link).read_network(V201, 5)
    assert len(link.calls) == 1
    assert picture.security_profile is None


@pytest.mark.parametrize(("ref", "action"), [(V16, "GetConfiguration"), (V201, "GetVariables")], ids=["1.6", "2.0.1"])
async def test_call_errors_and_timeouts_raise_as_every_read_does(ref: StationRef, action: str) -> None:
    not_implemented = CallError(ref.identity, action, "NotImplemented", "", {})
    internal = CallError(ref.identity, action, "InternalError", "busy", {})
    for error in (not_implemented, internal, CallTimeout(ref.identity, action, 5)):
        link = station(ref.ocpp_version, failing(error))
        with pytest.raises(type(error)) as raised:
            await _controls(link).read_network(ref, 5)
        assert raised.value is error


# -- installed CA certificates -----------------------------------------------------------------------

HASH_A = {"hashAlgorithm": "SHA256", "issuerNameHash": "aa" * 32, "issuerKeyHash": "ab" * 32, "serialNumber": "1f"}
HASH_B = {"hashAlgorithm": "SHA384", "issuerNameHash": "bb" * 48, "issuerKeyHash": "bc" * 48, "serialNumber": "2e"}
CSMS = CertificateKind.CSMS_ROOT
MANUFACTURER = CertificateKind.MANUFACTURER_ROOT
# The certificate type each version calls each kind.
TYPES = {
    ("1.6", CSMS): "CentralSystemRootCertificate",
    ("1.6", MANUFACTURER): "ManufacturerRootCertificate",
    ("2.0.1", CSMS): "CSMSRootCertificate",
    ("2.0.1", MANUFACTURER): "ManufacturerRootCertificate",
}
KINDS = [
    pytest.param(ref, kind, id=f"{ref.ocpp_version} {kind.value}")
    for ref in (V16, V201)
    for kind in (CSMS, MANUFACTURER)
]


def request(ref: StationRef, kind: CertificateKind) -> dict[str, Any]:
    certificate_type = TYPES[(ref.ocpp_version, kind)]
    return {"certificateType": certificate_type if ref is V16 else [certificate_type]}


def holding(ref: StationRef, *chain: tuple[str, dict[str, Any]]) -> Answer:
    """A station holding the certificates of `chain` (type, hash data), answering in its version's shape."""
    if not chain:
        return lambda action, payload: {"status": "NotFound"}
    if ref is V16:
        return lambda action, payload: {"status": "Accepted", "certificateHashData": [data for _, data in chain]}
    entries = [{"certificateType": kind, "certificateHashData": data} for kind, data in chain]
    return lambda action, payload: {"status": "Accepted", "certificateHashDataChain": entries}


async def certificates(ref: StationRef, kind: CertificateKind, answer: Answer) -> list[InstalledCertificate] | None:
    link = station(ref.ocpp_version, answer)
    installed = await _controls(link).installed_ca_certificates(ref, kind, 5)
    assert link.calls == [("GetInstalledCertificateIds", request(ref, kind))]
    return installed


@pytest.mark.parametrize(("ref", "kind"), KINDS)
async def test_none_installed(ref: StationRef, kind: CertificateKind) -> None:
    assert await certificates(ref, kind, holding(ref)) == []


@pytest.mark.parametrize(("ref", "kind"), KINDS)
async def test_two_installed(ref: StationRef, kind: CertificateKind) -> None:
    certificate_type = TYPES[(ref.ocpp_version, kind)]
    answer = holding(ref, (certificate_type, HASH_A), (certificate_type, HASH_B))
    assert await certificates(ref, kind, answer) == [
        InstalledCertificate(certificate_type, "SHA256", "aa" * 32, "ab" * 32, "1f"),
        InstalledCertificate(certificate_type, "SHA384", "bb" * 48, "bc" * 48, "2e"),
    ]


async def test_201_certificates_of_another_type_are_passed_over() -> None:
    """A station that answers with every type it holds, whatever was asked."""
    answer = holding(V201, ("ManufacturerRootCertificate", HASH_A), ("CSMSRootCertificate", HASH_B))
    assert await certificates(V201, CSMS, answer) == [
        InstalledCertificate("CSMSRootCertificate", "SHA384", "bb" * 48, "bc" * 48, "2e")
    ]


@pytest.mark.parametrize(("ref", "kind"), KINDS)
@pytest.mark.parametrize("code", ["NotImplemented", "NotSupported"])
async def test_a_station_that_does_not_know_the_message_cannot_tell(
    ref: StationRef, kind: CertificateKind, code: str
) -> None:
    error = CallError(ref.identity, "GetInstalledCertificateIds", code, "Requested Action is not known", {})
    assert await certificates(ref, kind, failing(error)) is None


@pytest.mark.parametrize(("ref", "kind"), KINDS)
async def test_other_call_errors_and_timeouts_raise(ref: StationRef, kind: CertificateKind) -> None:
    internal = CallError(ref.identity, "GetInstalledCertificateIds", "InternalError", "store locked", {})
    for error in (internal, CallTimeout(ref.identity, "GetInstalledCertificateIds", 5)):
        link = station(ref.ocpp_version, failing(error))
        with pytest.raises(type(error)) as raised:
            await _controls(link).installed_ca_certificates(ref, kind, 5)
        assert raised.value is error
        assert link.calls == [("GetInstalledCertificateIds", request(ref, kind))]
