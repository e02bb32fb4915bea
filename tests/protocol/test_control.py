"""The station adapters, one per OCPP version: the exact payload each operation sends, and the domain
outcome of each answer a station may give."""

import asyncio
from typing import Any

import pytest

from switchyard.bus.local import REPORT_PAGE, LocalBus, ReportPageArrived
from switchyard.domain import ChangeStatus, ReportPage, ResetKind, StationRef
from switchyard.errors import InvalidRequest, ReadFailed
from switchyard.protocol.adapters import StationControls
from switchyard.protocol.v16.control import Control16
from switchyard.protocol.v201.control import Control201
from tests.scripted_link import ScriptedLink

V16 = StationRef("s" * 24, "CP-16", "1.6")
V201 = StationRef("t" * 24, "CP-201", "2.0.1")
NO_LIMITS: dict[str, str | None] = {}


def answering(**answer: Any) -> ScriptedLink:
    return ScriptedLink(lambda action, payload: answer)


# -- changes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "status"),
    [
        ("Accepted", ChangeStatus.ACCEPTED),
        ("RebootRequired", ChangeStatus.REBOOT_REQUIRED),
        ("Rejected", ChangeStatus.REJECTED),
        ("NotSupported", ChangeStatus.REJECTED),
        ("Later", ChangeStatus.UNKNOWN),
    ],
)
async def test_16_change_is_one_change_configuration(said: str, status: ChangeStatus) -> None:
    link = answering(status=said)
    result = await Control16(link).change(V16, "HeartbeatInterval", "600", 5)
    assert link.calls == [("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "600"})]
    assert (result.status, result.answer) == (status, {"status": said})


@pytest.mark.parametrize(
    ("said", "status"),
    [
        ("Accepted", ChangeStatus.ACCEPTED),
        ("RebootRequired", ChangeStatus.REBOOT_REQUIRED),
        ("Rejected", ChangeStatus.REJECTED),
        ("UnknownComponent", ChangeStatus.REJECTED),
        ("UnknownVariable", ChangeStatus.REJECTED),
        ("NotSupportedAttributeType", ChangeStatus.REJECTED),
        ("Maybe", ChangeStatus.UNKNOWN),
    ],
)
async def test_201_change_is_one_set_variables_item(said: str, status: ChangeStatus) -> None:
    link = ScriptedLink(
        lambda action, payload: {
            "setVariableResult": [
                {
                    "attributeStatus": said,
                    "attributeStatusInfo": {"reasonCode": "Why"},
                    "component": payload["setVariableData"][0]["component"],
                    "variable": payload["setVariableData"][0]["variable"],
                }
            ]
        }
    )
    result = await Control201(link, LocalBus()).change(V201, "EVSE@1/2.Power[max]", "11000", 5)
    assert link.calls == [
        (
            "SetVariables",
            {
                "setVariableData": [
                    {
                        "attributeValue": "11000",
                        "component": {"name": "EVSE", "evse": {"id": 1, "connectorId": 2}},
                        "variable": {"name": "Power", "instance": "max"},
                    }
                ]
            },
        )
    ]
    assert (result.status, result.answer) == (status, {"status": said, "statusInfo": {"reasonCode": "Why"}})


async def test_201_an_attribute_other_than_actual_is_named_in_the_request() -> None:
    link = ScriptedLink(lambda action, payload: {"setVariableResult": [{"attributeStatus": "Accepted"}]})
    await Control201(link, LocalBus()).change(V201, "SampledDataCtrlr.TxUpdatedInterval", "30", 5, "MaxSet")
    item = link.calls[0][1]["setVariableData"][0]
    assert item["attributeType"] == "MaxSet"
    assert item["component"] == {"name": "SampledDataCtrlr"}


async def test_16_refuses_attribute_types_and_201_refuses_names_that_are_not_variables_without_sending() -> None:
    link = ScriptedLink()
    with pytest.raises(InvalidRequest, match=r"OCPP 1\.6 keys have no MaxSet attribute"):
        await Control16(link).change(V16, "HeartbeatInterval", "600", 5, "MaxSet")
    with pytest.raises(InvalidRequest, match=r"is not a Component\.Variable name"):
        await Control201(link, LocalBus()).change(V201, "HeartbeatInterval", "600", 5)
    assert link.calls == []


# -- resets ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "sent", "said", "accepted"),
    [
        (ResetKind.HARD, "Hard", "Accepted", True),
        (ResetKind.SOFT, "Soft", "Accepted", True),
        (ResetKind.HARD, "Hard", "Rejected", False),
    ],
)
async def test_16_reset(kind: ResetKind, sent: str, said: str, accepted: bool) -> None:
    link = answering(status=said)
    result = await Control16(link).reset(V16, kind, 5)
    assert link.calls == [("Reset", {"type": sent})]
    assert (result.accepted, result.answer) == (accepted, {"status": said})


@pytest.mark.parametrize(
    ("kind", "sent", "said", "accepted"),
    [
        (ResetKind.HARD, "Immediate", "Accepted", True),
        (ResetKind.SOFT, "OnIdle", "Accepted", True),
        (ResetKind.SOFT, "OnIdle", "Scheduled", True),  # after the running transaction (B12.FR.03)
        (ResetKind.HARD, "Immediate", "Rejected", False),
    ],
)
async def test_201_reset(kind: ResetKind, sent: str, said: str, accepted: bool) -> None:
    link = answering(status=said)
    result = await Control201(link, LocalBus()).reset(V201, kind, 5)
    assert link.calls == [("Reset", {"type": sent})]
    assert (result.accepted, result.answer) == (accepted, {"status": said})


def test_only_a_201_soft_reset_waits_for_the_station_to_be_idle() -> None:
    controls = StationControls(ScriptedLink(), LocalBus())
    assert [controls.reset_waits_for_idle(station, kind) for station in (V16, V201) for kind in ResetKind] == [
        False,  # 1.6 Hard
        False,  # 1.6 Soft stops transactions first
        False,  # 2.0.1 Immediate
        True,  # 2.0.1 OnIdle
    ]


@pytest.mark.parametrize(
    ("word", "kind"), [("Hard", "Hard"), ("Immediate", "Hard"), ("Soft", "Soft"), ("OnIdle", "Soft")]
)
def test_either_versions_word_names_a_reset_kind(word: str, kind: str) -> None:
    assert ResetKind.named(word) == ResetKind(kind)
    assert ResetKind.named("hard") is None


# -- reads by name ---------------------------------------------------------------------------------


async def test_16_reads_by_name_are_chunked_by_get_configuration_max_keys_and_match_any_case() -> None:
    link = ScriptedLink(
        lambda action, payload: {
            "configurationKey": [{"key": k.upper(), "readonly": False, "value": "1"} for k in payload["key"][:-1]]
        }
    )
    names = [f"Key{i}" for i in range(10)]
    values = await Control16(link).read_values(V16, names, 5, {"GetConfigurationMaxKeys": "4"})
    assert [payload["key"] for _, payload in link.calls] == [names[0:4], names[4:8], names[8:10]]
    # The last key of each request is left out by this station: unknown to it.
    assert values == {name: None if name in ("Key3", "Key7", "Key9") else "1" for name in names}


@pytest.mark.parametrize("limit", [None, "0", "-3", "many"])
async def test_16_without_a_usable_limit_reads_20_keys_at_a_time(limit: str | None) -> None:
    link = answering(configurationKey=[])
    await Control16(link).read_values(V16, [f"K{i}" for i in range(25)], 5, {"GetConfigurationMaxKeys": limit})
    assert [len(payload["key"]) for _, payload in link.calls] == [20, 5]


async def test_201_reads_by_name_respect_items_and_bytes_per_message() -> None:
    def answer(action: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {
            "getVariableResult": [
                {"attributeStatus": "Accepted" if "7" not in item["variable"]["name"] else "UnknownVariable"}
                | {"attributeValue": "5", "component": item["component"], "variable": item["variable"]}
                for item in payload["getVariableData"]
            ]
        }

    link = ScriptedLink(answer)
    names = [f"SampledDataCtrlr.Variable{i}" for i in range(9)]
    limits = {
        "DeviceDataCtrlr.ItemsPerMessage[GetVariables]": "3",
        "DeviceDataCtrlr.BytesPerMessage[GetVariables]": "260",
    }
    values = await Control201(link, LocalBus()).read_values(V201, names, 5, limits, "Target")
    sizes = [len(payload["getVariableData"]) for _, payload in link.calls]
    assert sum(sizes) == 9
    assert max(sizes) <= 3
    assert len(sizes) > 3  # the byte limit, not only the item limit, split them
    assert all(item["attributeType"] == "Target" for _, p in link.calls for item in p["getVariableData"])
    assert values == {name: None if name.endswith("7") else "5" for name in names}


# -- whole reads -----------------------------------------------------------------------------------


async def test_16_a_whole_read_is_get_configuration_without_keys() -> None:
    link = answering(configurationKey=[{"key": "HeartbeatInterval", "readonly": False, "value": "900"}])
    settings = await Control16(link).read_all(V16, 5)
    assert link.calls == [("GetConfiguration", {})]
    assert [(s.name, s.value, s.readonly) for s in settings] == [("HeartbeatInterval", "900", False)]


def _page(request_id: int, seq_no: int, tbc: bool, name: str = "HeartbeatInterval") -> ReportPage:
    entry = {
        "component": {"name": "OCPPCommCtrlr"},
        "variable": {"name": name},
        "variableAttribute": [{"type": "MaxSet", "value": "9"}, {"value": "900", "mutability": "ReadOnly"}],
    }
    return ReportPage(request_id, seq_no, tbc, "t", [entry])


def _reporting(bus: LocalBus, pages: Any) -> ScriptedLink:
    """A 2.0.1 station that accepts GetBaseReport and then sends the pages `pages(request_id)` lists."""

    def answer(action: str, payload: dict[str, Any]) -> dict[str, Any]:
        async def send() -> None:
            await asyncio.sleep(0.01)
            for page in pages(payload["requestId"]):
                bus.publish(REPORT_PAGE, ReportPageArrived(V201.station_id, V201.identity, page))

        asyncio.get_running_loop().create_task(send())
        return {"status": "Accepted"}

    return ScriptedLink(answer)


async def test_201_a_whole_read_gathers_every_notify_report_page_in_order() -> None:
    bus = LocalBus()
    link = _reporting(bus, lambda rid: [_page(rid, 0, True), _page(rid, 1, False, "OfflineThreshold")])
    told: list[str] = []

    async def progress(text: str) -> None:
        told.append(text)

    settings = await Control201(link, bus, page_timeout=2).read_all(V201, 5, progress)
    assert link.calls[0][0] == "GetBaseReport"
    assert link.calls[0][1]["reportBase"] == "FullInventory"
    assert told == ["reading: 1 NotifyReport page so far, 1 variable"]  # after each page but the last
    # The Actual attribute is the value, wherever it is in the list.
    assert [(s.name, s.value, s.readonly) for s in settings] == [
        ("OCPPCommCtrlr.HeartbeatInterval", "900", True),
        ("OCPPCommCtrlr.OfflineThreshold", "900", True),
    ]


async def test_201_a_gap_in_the_pages_fails_the_read() -> None:
    bus = LocalBus()
    link = _reporting(bus, lambda rid: [_page(rid, 0, True), _page(rid, 2, False)])
    with pytest.raises(ReadFailed, match=r"NotifyReport page 1 is missing \(page 2 arrived\)"):
        await Control201(link, bus, page_timeout=2).read_all(V201, 5)


async def test_201_a_page_that_never_comes_fails_the_read_after_the_page_timeout() -> None:
    bus = LocalBus()
    link = _reporting(bus, lambda rid: [_page(rid, 0, True)])
    with pytest.raises(ReadFailed, match=r"NotifyReport page 1 of request \d+ did not arrive within 0.2 s"):
        await Control201(link, bus, page_timeout=0.2).read_all(V201, 5)


async def test_201_pages_of_another_request_or_station_are_not_taken() -> None:
    bus = LocalBus()

    def pages(request_id: int) -> list[ReportPage]:
        bus.publish(REPORT_PAGE, ReportPageArrived("x" * 24, "CP-other", _page(request_id, 0, False, "Other")))
        return [_page(request_id + 1, 0, False, "Stale"), _page(request_id, 0, False)]

    settings = await Control201(_reporting(bus, pages), bus, page_timeout=2).read_all(V201, 5)
    assert [s.name for s in settings] == ["OCPPCommCtrlr.HeartbeatInterval"]


async def test_201_a_refused_base_report_fails_the_read() -> None:
    with pytest.raises(ReadFailed, match="GetBaseReport answered NotSupported"):
        await Control201(answering(status="NotSupported"), LocalBus()).read_all(V201, 5)


# -- one port for both ------------------------------------------------------------------------------


async def test_each_station_gets_the_adapter_of_its_version() -> None:
    link = answering(status="Accepted", configurationKey=[])
    controls = StationControls(link, LocalBus())
    await controls.reset(V16, ResetKind.SOFT, 5)
    await controls.reset(V201, ResetKind.SOFT, 5)
    assert link.calls == [("Reset", {"type": "Soft"}), ("Reset", {"type": "OnIdle"})]
    assert controls.limit_names(V16) == ("GetConfigurationMaxKeys",)
    with pytest.raises(InvalidRequest, match=r"speaks OCPP .2\.1., which has no adapter"):
        await controls.reset(StationRef("u" * 24, "CP-21", "2.1"), ResetKind.HARD, 5)
