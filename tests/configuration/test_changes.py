"""Configuration changes on simulated stations, over real sockets, through the API: one specification,
run once per OCPP version (the `v` fixture; what differs between versions is in versions.py).

Each station answer (Accepted, a refusal, RebootRequired) and each way a change can go wrong (a
read-back that disagrees, no answer, a disconnect, a station that stays away) ends in the action
status, response and webhook events the eDRV document describes. What only 2.0.1 has (paged base
reports, Component.Variable names, attribute types) is at the end.
"""

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import update

from switchyard.sim.faults import parse_faults
from switchyard.store.config_tables import ConfigurationState, ReportedSetting
from tests.configuration.support import (
    SETTINGS,
    action,
    actions_of,
    baseline,
    change,
    event_types,
    ok_result,
    read_station,
    wait_action,
    wait_read,
    wait_reason,
)
from tests.configuration.versions import VERSIONS, Version
from tests.support import RunningNode, running_node

UPDATE = "chargestation.update_configuration"
READ = "chargestation.get_configuration"


@pytest.fixture(params=VERSIONS, ids=str)
def v(request: pytest.FixtureRequest) -> Version:
    return request.param  # type: ignore[no-any-return]


async def test_an_accepted_change_is_read_back_and_completed(node: RunningNode, v: Version) -> None:
    async with read_station(node, "CFG-A", v.ocpp) as (station, station_id):
        requested = ok_result(await change(node, station_id, v.setting, "50", reason="dim at night"))
        assert requested["status"] == "requested"
        done = await wait_action(node, requested["_id"])
        assert done["status"] == "completed", done
        assert done["response_data"] == {"status": "Accepted"}
        assert done["audit"] == {
            "requestedBy": (await node.sy.registry.keys.authenticate(node.admin_key)).key_id,
            "reason": "dim at night",
            "valueBefore": v.factory,
            "valueAfter": "50",
        }
        assert station.value(v.setting) == "50"
        # The read-back asks for exactly that setting, after the change.
        assert station.received_actions()[-2:] == [v.change, v.read_back]
        assert station.received[-2].payload == v.change_payload(v.setting, "50")
        assert station.received[-1].payload == v.read_back_payload(v.setting)
        assert await event_types(node, requested["_id"]) == [f"{UPDATE}.requested", f"{UPDATE}.accepted"]


async def test_station_refusals_are_rejected_with_the_station_answer(node: RunningNode, v: Version) -> None:
    async with read_station(node, "CFG-R", v.ocpp) as (station, station_id):
        # Stale reports: the station has the last word.
        await _reported_writable(node, station_id, [r.key for r in v.refusals if r.stale])
        before = {r.key: station.value(r.key) for r in v.refusals}
        requested = [ok_result(await change(node, station_id, r.key, r.value, **r.extra)) for r in v.refusals]
        for refusal, sent in zip(v.refusals, requested, strict=True):
            done = await wait_action(node, sent["_id"])
            assert (done["status"], done["response_data"]) == ("rejected", refusal.response), refusal
            assert await event_types(node, sent["_id"]) == [f"{UPDATE}.requested", f"{UPDATE}.rejected"]
        assert {r.key: station.value(r.key) for r in v.refusals} == before


async def _reported_writable(node: RunningNode, station_id: str, names: list[str]) -> None:
    """The station's last report (wrongly) lists these as writable: a read-only one, or one it no
    longer has (say, before a firmware update removed it)."""
    async with node.sy.db.transaction() as session:
        for name in names:
            listed = await session.execute(
                update(ReportedSetting)
                .where(ReportedSetting.station_id == station_id, ReportedSetting.name == name)
                .values(readonly=False)
            )
            if listed.rowcount == 0:  # type: ignore[attr-defined]
                session.add(ReportedSetting(station_id=station_id, name=name, value="1", readonly=False))


async def test_a_read_back_that_disagrees_fails_the_change(node: RunningNode, v: Version) -> None:
    async with read_station(node, "CFG-M", v.ocpp, profile=v.profile("rounding")) as (station, station_id):
        requested = ok_result(await change(node, station_id, v.heartbeat, "901"))
        done = await wait_action(node, requested["_id"])
        assert done["status"] == "failed"
        assert done["response_data"] == {
            "status": "Accepted",
            "reason": f"station accepted {v.heartbeat}=901 but reports 900",
        }
        assert done["audit"]["valueAfter"] == "900"
        assert station.value(v.heartbeat) == "900"
        assert station.received_actions()[-2:] == [v.change, v.read_back]
        assert await event_types(node, requested["_id"]) == [f"{UPDATE}.requested", f"{UPDATE}.failed"]


async def test_changes_in_one_request_are_a_queue_sent_one_at_a_time(node: RunningNode, v: Version) -> None:
    async with read_station(node, "CFG-Q", v.ocpp, faults=parse_faults("slow=0.3")) as (station, station_id):
        response = await node.api.post(
            f"/v1.1/chargestations/{station_id}/configurations",
            json=[{"key": v.setting, "value": "40"}, {"key": v.other, "value": "120"}],
            headers=node.auth(),
        )
        first, second = ok_result(response)
        # While the first is with the station, the second has not left.
        await wait_action(node, first["_id"], phase="sending")
        assert (await action(node, second["_id"]))["phase"] == "queued"
        done = [await wait_action(node, first["_id"]), await wait_action(node, second["_id"])]
        assert [d["status"] for d in done] == ["completed", "completed"]
        sent = [(m.action, m.payload) for m in station.received if m.action in (v.change, v.read_back)]
        # change, read-back, change, read-back: the second change only after the first was read back.
        assert sent[-4:] == [
            (v.change, v.change_payload(v.setting, "40")),
            (v.read_back, v.read_back_payload(v.setting)),
            (v.change, v.change_payload(v.other, "120")),
            (v.read_back, v.read_back_payload(v.other)),
        ]


async def test_a_second_change_waits_for_the_first(node: RunningNode, v: Version) -> None:
    async with read_station(node, "CFG-W", v.ocpp, faults=parse_faults("slow=0.3")) as (_, station_id):
        first = ok_result(await change(node, station_id, v.setting, "30"))
        await wait_action(node, first["_id"], phase="sending")
        second = ok_result(await change(node, station_id, v.setting, "20"))
        assert (await action(node, second["_id"]))["phase"] == "queued"
        first_done, second_done = await wait_action(node, first["_id"]), await wait_action(node, second["_id"])
        assert first_done["audit"]["valueAfter"] == "30"
        # Asked for while the report said the factory value; sent after the first was read back as 30.
        assert second_done["audit"]["valueBefore"] == "30"
        assert second_done["audit"]["valueAfter"] == "20"
        assert second_done["updatedAt"] >= first_done["updatedAt"]


async def test_reboot_required_holds_later_changes_until_the_reboot_then_confirms(
    node: RunningNode, v: Version
) -> None:
    async with read_station(node, "CFG-B", v.ocpp, profile=v.profile("reboot-heavy")) as (station, station_id):
        pending = ok_result(await change(node, station_id, v.reboot_setting, "300"))
        completed = await wait_action(node, pending["_id"])
        assert completed["status"] == "completed"
        assert completed["response_data"] == {"status": "RebootRequired"}
        assert completed["phase"] == "awaiting_reboot"
        assert await event_types(node, pending["_id"]) == [f"{UPDATE}.requested", f"{UPDATE}.accepted"]

        held = ok_result(await change(node, station_id, v.heartbeat, "450"))
        waiting = await wait_reason(node, held["_id"], "must reboot first")
        assert waiting["status"] == "requested"
        assert waiting["phase"] == "queued"
        assert waiting["waitingFor"] == f"the station must reboot first: waiting for it to apply {v.reboot_setting}"
        await asyncio.sleep(0.3)
        assert station.received_actions().count(v.change) == 1  # the held one was not sent

        reset = ok_result(
            await node.api.post(f"/v1.1/chargestations/{station_id}/reset", json={"type": v.reset}, headers=node.auth())
        )
        assert (await wait_action(node, reset["_id"]))["status"] == "completed"
        assert next(m for m in station.received if m.action == "Reset").payload == {"type": v.reset_sent}
        reset_events = await event_types(node, reset["_id"])
        assert reset_events == ["chargestation.reset.requested", "chargestation.reset.accepted"]
        confirmed = await wait_action(node, pending["_id"], phase="done")
        assert confirmed["status"] == "completed"
        assert confirmed["audit"]["valueAfter"] == "300"
        released = await wait_action(node, held["_id"])
        assert released["status"] == "completed"
        assert station.value(v.heartbeat) == "450"
        # The reboot's BootNotification also had the whole configuration read again.
        await wait_read(node, station_id, count=2)
        reads = await actions_of(node, station_id, type=READ)
        assert [r["status"] for r in reads] == ["completed", "completed"]


async def test_a_change_the_station_does_not_answer_fails_on_timeout(node: RunningNode, v: Version) -> None:
    async with read_station(node, "CFG-T", v.ocpp, faults=parse_faults(f"ignore={v.change}")) as (_, station_id):
        requested = ok_result(await change(node, station_id, v.setting, "50"))
        done = await wait_action(node, requested["_id"])
        assert done["status"] == "failed"
        assert done["response_data"] == {"reason": f"the station did not answer {v.change} within 2 s"}
        assert await event_types(node, requested["_id"]) == [f"{UPDATE}.requested", f"{UPDATE}.failed"]
        # It reached the station all the same: the spacing to the next change counts from it.
        async with node.sy.db.sessions() as session:
            state = await session.get(ConfigurationState, station_id)
        assert state is not None
        assert state.last_change_at is not None


async def test_a_reset_after_changes_waits_for_the_last_change(tmp_path: Path, v: Version) -> None:
    # Spacing long enough that the second change is certainly still waiting when the reset comes.
    async with running_node(tmp_path, **{**SETTINGS, "change_spacing": 1.0}) as node:
        await baseline(node, enabled=False)
        async with read_station(node, "CFG-RL", v.ocpp) as (station, station_id):
            path = f"/v1.1/chargestations/{station_id}"
            body = [{"key": v.setting, "value": "40"}, {"key": v.other, "value": "120"}]
            first, second = ok_result(await node.api.post(f"{path}/configurations", json=body, headers=node.auth()))
            await wait_reason(node, second["_id"], "spacing")
            reset = ok_result(await node.api.post(f"{path}/reset", json={"type": v.reset}, headers=node.auth()))
            for action_id in (first["_id"], second["_id"], reset["_id"]):
                assert (await wait_action(node, action_id))["status"] == "completed"
            sent = [m.action for m in station.received if m.action in (v.change, "Reset")]
            assert sent == [v.change, v.change, "Reset"]


async def test_a_disconnect_before_the_answer_fails_the_change(node: RunningNode, v: Version) -> None:
    async with read_station(node, "CFG-D", v.ocpp, faults=parse_faults("slow=1")) as (station, station_id):
        requested = ok_result(await change(node, station_id, v.setting, "50"))
        await wait_action(node, requested["_id"], phase="sending")
        await station.stop()
        done = await wait_action(node, requested["_id"])
        assert done["status"] == "failed"
        assert done["response_data"]["reason"].startswith(f"the station disconnected before answering {v.change}")


async def test_an_offline_station_s_change_waits_for_it_to_reconnect(node: RunningNode, v: Version) -> None:
    async with read_station(node, "CFG-O", v.ocpp) as (station, station_id):
        await station.stop()
        requested = ok_result(await change(node, station_id, v.setting, "70"))
        waiting = await wait_reason(node, requested["_id"], "not connected")
        assert waiting["status"] == "requested"
        station.start()
        done = await wait_action(node, requested["_id"])
        assert done["status"] == "completed"
        assert station.value(v.setting) == "70"


async def test_an_offline_station_s_change_expires(tmp_path: Path, v: Version) -> None:
    async with running_node(tmp_path, **{**SETTINGS, "action_expiry": 1.0}) as node:
        await baseline(node, enabled=False)
        async with read_station(node, "CFG-X", v.ocpp) as (station, station_id):
            await station.stop()
            requested = ok_result(await change(node, station_id, v.setting, "70"))
            done = await wait_action(node, requested["_id"], timeout=5)
            assert done["status"] == "failed"
            assert done["response_data"] == {"reason": "expired"}
            # Never sent, so never announced as sent ("requested"): only its end.
            assert await event_types(node, requested["_id"]) == [f"{UPDATE}.failed"]


# -- only in 2.0.1: paged base reports, Component.Variable names, attribute types -------------------


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
