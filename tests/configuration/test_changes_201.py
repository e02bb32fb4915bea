"""Configuration on simulated OCPP 2.0.1 stations: base reports, SetVariables, GetVariables read-backs."""

import pytest
from sqlalchemy import update

from switchyard.sim.faults import parse_faults
from switchyard.store.config_tables import ReportedSetting
from tests.configuration.support import (
    actions_of,
    change,
    event_types,
    ok_result,
    read_station,
    wait_action,
    wait_read,
)
from tests.support import RunningNode

UPDATE = "chargestation.update_configuration"
READ = "chargestation.get_configuration"


async def test_the_boot_read_gathers_every_notify_report_page(node: RunningNode) -> None:
    async with read_station(node, "V2-READ", "2.0.1") as (station, station_id):
        (read,) = await actions_of(node, station_id, type=READ)
        assert read["status"] == "completed"
        pages = [m for m in station.sent if m.action == "NotifyReport"]
        assert len(pages) > 1  # ItemsPerMessage[GetReport] is 4: the report is paged
        reported = sum(len(m.payload["reportData"]) for m in pages)
        assert read["response_data"] == {"status": "Accepted", "keys": reported}
        # Its progress ("reading: 3 NotifyReport pages so far, ...") was shown while it ran, not after.
        assert read["waitingFor"] is None
        assert await event_types(node, read["_id"]) == [f"{READ}.requested", f"{READ}.accepted"]
        details = ok_result(
            await node.api.get(f"/v1.1/chargestations/{station_id}/configurations/details", headers=node.auth())
        )
        by_name = {d["name"]: d for d in details}
        assert by_name["OCPPCommCtrlr.HeartbeatInterval"]["value"] == "900"
        assert by_name["OCPPCommCtrlr.HeartbeatInterval"]["category"] == "core"
        assert by_name["SecurityCtrlr.SecurityProfile"]["writable"] is False
        assert "SecurityCtrlr.BasicAuthPassword" in by_name  # reported as a variable, without a value
        assert by_name["SecurityCtrlr.BasicAuthPassword"]["value"] == ""


async def test_a_set_variable_is_read_back_with_get_variables(node: RunningNode) -> None:
    async with read_station(node, "V2-SET", "2.0.1") as (station, station_id):
        requested = ok_result(await change(node, station_id, "OCPPCommCtrlr.HeartbeatInterval", "600"))
        done = await wait_action(node, requested["_id"])
        assert done["status"] == "completed", done
        assert done["response_data"] == {"status": "Accepted"}
        assert done["audit"]["valueBefore"] == "900"
        assert done["audit"]["valueAfter"] == "600"
        assert station.received_actions()[-2:] == ["SetVariables", "GetVariables"]
        read_back = station.received[-1].payload["getVariableData"]
        assert read_back == [{"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}]


async def test_a_read_back_that_disagrees_fails_the_201_change(node: RunningNode) -> None:
    """Only 1.6 had an end-to-end read-back mismatch: the firmware accepts 901 and reports 900."""
    async with read_station(node, "V2-MIS", "2.0.1", profile="rounding-201") as (station, station_id):
        requested = ok_result(await change(node, station_id, "OCPPCommCtrlr.HeartbeatInterval", "901"))
        done = await wait_action(node, requested["_id"])
        assert done["status"] == "failed"
        assert done["response_data"] == {
            "status": "Accepted",
            "reason": "station accepted OCPPCommCtrlr.HeartbeatInterval=901 but reports 900",
        }
        assert done["audit"]["valueAfter"] == "900"
        assert station.value("OCPPCommCtrlr.HeartbeatInterval") == "900"
        assert station.received_actions()[-2:] == ["SetVariables", "GetVariables"]
        assert await event_types(node, requested["_id"]) == [f"{UPDATE}.requested", f"{UPDATE}.failed"]


async def test_a_16_key_name_changes_the_201_variable(node: RunningNode) -> None:
    async with read_station(node, "V2-MAP", "2.0.1") as (station, station_id):
        requested = ok_result(await change(node, station_id, "HeartbeatInterval", "450"))
        assert requested["data"] == {"key": "HeartbeatInterval", "value": "450"}
        assert (await wait_action(node, requested["_id"]))["status"] == "completed"
        sent = next(m for m in reversed(station.received) if m.action == "SetVariables")
        assert sent.payload["setVariableData"] == [
            {
                "attributeValue": "450",
                "component": {"name": "OCPPCommCtrlr"},
                "variable": {"name": "HeartbeatInterval"},
            }
        ]


async def test_station_refusals_are_rejected_with_their_201_status(node: RunningNode) -> None:
    async with read_station(node, "V2-REJ", "2.0.1") as (_, station_id):
        # Stale reports: a variable the station no longer has, and a read-only one the report
        # (wrongly) called writable. The station has the last word.
        async with node.sy.db.transaction() as session:
            session.add(ReportedSetting(station_id=station_id, name="OCPPCommCtrlr.Gone", value="1", readonly=False))
            await session.execute(
                update(ReportedSetting)
                .where(
                    ReportedSetting.station_id == station_id,
                    ReportedSetting.name == "OCPPCommCtrlr.ActiveNetworkProfile",
                )
                .values(readonly=False)
            )
            session.add(ReportedSetting(station_id=station_id, name="GoneCtrlr.Thing", value="1", readonly=False))
        unknown = ok_result(await change(node, station_id, "OCPPCommCtrlr.Gone", "2"))
        read_only = ok_result(await change(node, station_id, "OCPPCommCtrlr.ActiveNetworkProfile", "2"))
        no_component = ok_result(await change(node, station_id, "GoneCtrlr.Thing", "2"))
        # This firmware keeps only Actual values.
        max_set = ok_result(
            await change(node, station_id, "OCPPCommCtrlr.HeartbeatInterval", "3600", attributeType="MaxSet")
        )
        expected = {
            unknown["_id"]: "UnknownVariable",
            read_only["_id"]: "Rejected",
            no_component["_id"]: "UnknownComponent",
            max_set["_id"]: "NotSupportedAttributeType",
        }
        for action_id, station_status in expected.items():
            done = await wait_action(node, action_id)
            assert (done["status"], done["response_data"]["status"]) == ("rejected", station_status)
            assert await event_types(node, action_id) == [f"{UPDATE}.requested", f"{UPDATE}.rejected"]


async def test_reboot_required_on_201_waits_for_the_reboot_and_confirms(node: RunningNode) -> None:
    async with read_station(node, "V2-BOOT", "2.0.1", profile="reboot-heavy-201") as (station, station_id):
        pending = ok_result(await change(node, station_id, "SampledDataCtrlr.TxEndedInterval", "300"))
        completed = await wait_action(node, pending["_id"])
        assert completed["response_data"] == {"status": "RebootRequired"}
        assert completed["phase"] == "awaiting_reboot"
        reset = ok_result(
            await node.api.post(f"/v1.1/chargestations/{station_id}/reset", json={"type": "Hard"}, headers=node.auth())
        )
        reset_done = await wait_action(node, reset["_id"])
        assert reset_done["status"] == "completed"
        # "Hard" is the 1.6 word; a 2.0.1 station is sent its own word for it.
        assert next(m for m in station.received if m.action == "Reset").payload == {"type": "Immediate"}
        confirmed = await wait_action(node, pending["_id"], phase="done")
        assert confirmed["status"] == "completed"
        assert confirmed["audit"]["valueAfter"] == "300"
        await wait_read(node, station_id, count=2)  # the reboot triggered a fresh read too


async def test_a_set_variables_without_answer_fails_on_timeout(node: RunningNode) -> None:
    faults = parse_faults("ignore=SetVariables")
    async with read_station(node, "V2-T", "2.0.1", faults=faults) as (_, station_id):
        requested = ok_result(await change(node, station_id, "OCPPCommCtrlr.HeartbeatInterval", "450"))
        done = await wait_action(node, requested["_id"])
        assert done["status"] == "failed"
        assert done["response_data"] == {"reason": "the station did not answer SetVariables within 2 s"}
        assert await event_types(node, requested["_id"]) == [f"{UPDATE}.requested", f"{UPDATE}.failed"]


BAD_201 = [
    # (key, value, the refusal): checked against the catalogue and the station's own report, nothing sent.
    ("OCPPCommCtrlr.HeartbeatInterval", "soon", "must be an integer"),
    ("OCPPCommCtrlr.HeartbeatInterval", "+7", "must be an integer"),
    ("OCPPCommCtrlr.HeartbeatInterval", "x" * 1001, "at most 1000"),
    ("OCPPCommCtrlr.", "1", "OCPPCommCtrlr."),
    ("NoSuchCtrlr.Thing", "1", "NoSuchCtrlr.Thing is not among"),
    ("OCPPCommCtrlr.ActiveNetworkProfile", "1", "read-only"),
    ("MadeUpKey", "1", "MadeUpKey"),
]


@pytest.mark.parametrize(("key", "value", "message"), BAD_201, ids=[m for _, _, m in BAD_201])
async def test_201_checks_refuse_before_anything_is_stored_or_sent(
    node: RunningNode, key: str, value: str, message: str
) -> None:
    async with read_station(node, "V2-CHK", "2.0.1") as (station, station_id):
        before = len(station.received)
        response = await change(node, station_id, key, value)
        assert response.status_code == 400, response.text
        assert message in response.json()["message"], response.json()
        assert await actions_of(node, station_id, type=UPDATE) == []
        assert len(station.received) == before
