"""OCPP 2.0.1 device model on a simulated station: GetVariables, SetVariables, base reports."""

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

from switchyard.errors import CallError
from switchyard.store.tables import NotifyReportPage
from tests.sim.support import booted_station
from tests.support import RunningNode


def var(component: str, variable: str, **extra: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"component": {"name": component}, "variable": {"name": variable}}
    for key in ("instance",):
        if key in extra:
            item["variable"][key] = extra.pop(key)
    if "evse" in extra:
        item["component"]["evse"] = extra.pop("evse")
    item.update(extra)
    return item


async def test_every_set_variables_status(node: RunningNode) -> None:
    async with booted_station(node, "EV-1", "2.0.1") as station:
        data = [
            var("OCPPCommCtrlr", "OfflineThreshold", attributeValue="123"),
            var("OCPPCommCtrlr", "OfflineThreshold", attributeValue="minus one"),
            var("SecurityCtrlr", "SecurityProfile", attributeValue="3"),
            var("NoSuchCtrlr", "Anything", attributeValue="1"),
        ]
        answer = await node.sy.link.call("EV-1", "SetVariables", {"setVariableData": data})
        statuses = [
            (r["attributeStatus"], r.get("attributeStatusInfo", {}).get("reasonCode"))
            for r in answer["setVariableResult"]
        ]
        assert statuses == [
            ("Accepted", None),
            ("Rejected", "InvalidValue"),
            ("Rejected", "ReadOnly"),
            ("UnknownComponent", None),
        ]
        assert station.value("OCPPCommCtrlr.OfflineThreshold") == "123"
        more = [
            var("OCPPCommCtrlr", "NoSuchVariable", attributeValue="1"),
            var("OCPPCommCtrlr", "OfflineThreshold", attributeValue="60", attributeType="Target"),
            var("OCPPCommCtrlr", "NetworkConfigurationPriority", attributeValue="1"),
        ]
        answer = await node.sy.link.call("EV-1", "SetVariables", {"setVariableData": more})
        assert [r["attributeStatus"] for r in answer["setVariableResult"]] == [
            "UnknownVariable",
            "NotSupportedAttributeType",
            "RebootRequired",
        ]


async def test_more_items_than_items_per_message_are_rejected_as_too_many(node: RunningNode) -> None:
    async with booted_station(node, "EV-1", "2.0.1") as station:
        limit = int(station.value("DeviceDataCtrlr.ItemsPerMessage[SetVariables]") or 0)
        data = [var("OCPPCommCtrlr", "OfflineThreshold", attributeValue=str(100 + i)) for i in range(limit + 2)]
        answer = await node.sy.link.call("EV-1", "SetVariables", {"setVariableData": data})
        reasons = [r.get("attributeStatusInfo", {}).get("reasonCode") for r in answer["setVariableResult"]]
        assert reasons[limit:] == ["TooManyElements", "TooManyElements"]
        assert station.value("OCPPCommCtrlr.OfflineThreshold") == str(100 + limit - 1)


async def test_get_variables_statuses(node: RunningNode) -> None:
    async with booted_station(node, "EV-1", "2.0.1"):
        data = [
            var("OCPPCommCtrlr", "OfflineThreshold"),
            var("SecurityCtrlr", "BasicAuthPassword"),
            var("DeviceDataCtrlr", "ItemsPerMessage", instance="GetVariables"),
            var("Nope", "Nothing"),
        ]
        answer = await node.sy.link.call("EV-1", "GetVariables", {"getVariableData": data})
        results = answer["getVariableResult"]
        assert results[0]["attributeStatus"] == "Accepted"
        assert results[0]["attributeValue"] == "60"
        assert results[1]["attributeStatus"] == "Rejected"
        assert "attributeValue" not in results[1]
        assert results[2]["attributeValue"] == "4"
        assert results[3]["attributeStatus"] == "UnknownComponent"


async def test_requests_over_bytes_per_message_are_refused(node: RunningNode) -> None:
    async with booted_station(node, "EV-1", "2.0.1"):
        big = [var("OCPPCommCtrlr", "OfflineThreshold", attributeValue="1" * 900) for _ in range(3)]
        with pytest.raises(CallError) as refused:
            await node.sy.link.call("EV-1", "SetVariables", {"setVariableData": big})
        assert refused.value.code == "FormatViolation"


@pytest.mark.parametrize("base", ["FullInventory", "ConfigurationInventory"])
async def test_base_report_arrives_in_pages(node: RunningNode, base: str) -> None:
    async with booted_station(node, "EV-1", "2.0.1") as station:
        answer = await node.sy.link.call("EV-1", "GetBaseReport", {"requestId": 42, "reportBase": base})
        assert answer == {"status": "Accepted"}
        expected = station.firmware.model.report(base)  # type: ignore[attr-defined]
        per_page = int(station.value("DeviceDataCtrlr.ItemsPerMessage[GetReport]") or 0)
        pages_expected = -(-len(expected) // per_page)
        async with asyncio.timeout(10):
            while True:
                await node.flush()
                async with node.sy.db.sessions() as session:
                    pages = (await session.scalars(select(NotifyReportPage).order_by(NotifyReportPage.seq_no))).all()
                if len(pages) == pages_expected:
                    break
                await asyncio.sleep(0.05)
        assert [p.seq_no for p in pages] == list(range(pages_expected))
        assert [p.tbc for p in pages] == [True] * (pages_expected - 1) + [False]
        assert all(p.request_id == 42 for p in pages)
        entries = [entry for page in pages for entry in page.report_data]
        assert len(entries) == len(expected)
        writable_only = all(e["variableAttribute"][0]["mutability"] != "ReadOnly" for e in entries)
        assert writable_only == (base == "ConfigurationInventory")
        password = [e for e in entries if e["variable"]["name"] == "BasicAuthPassword"]
        assert password
        assert "value" not in password[0]["variableAttribute"][0], "write-only values are never reported"


async def test_summary_inventory_is_not_supported(node: RunningNode) -> None:
    async with booted_station(node, "EV-1", "2.0.1"):
        answer = await node.sy.link.call("EV-1", "GetBaseReport", {"requestId": 1, "reportBase": "SummaryInventory"})
        assert answer == {"status": "NotSupported"}
