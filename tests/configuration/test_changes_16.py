"""Configuration changes on simulated OCPP 1.6 stations, over real sockets, through the API.

Each station answer (Accepted, Rejected, NotSupported, RebootRequired) and each way a change can go
wrong (a read-back that disagrees, no answer, a disconnect) ends in the action status, response and
webhook events the eDRV document describes.
"""

import asyncio
from pathlib import Path

from switchyard.sim.faults import parse_faults
from switchyard.store.config_tables import ConfigurationState, ReportedSetting
from tests.configuration.support import (
    action,
    actions_of,
    change,
    event_types,
    ok_result,
    read_station,
    wait_action,
    wait_read,
    wait_reason,
)
from tests.support import RunningNode

UPDATE = "chargestation.update_configuration"


async def test_an_accepted_change_is_read_back_and_completed(node: RunningNode) -> None:
    async with read_station(node, "CFG-A") as (station, station_id):
        requested = ok_result(await change(node, station_id, "LightIntensity", "50", reason="dim at night"))
        assert requested["status"] == "requested"
        done = await wait_action(node, requested["_id"])
        assert done["status"] == "completed", done
        assert done["response_data"] == {"status": "Accepted"}
        assert done["audit"] == {
            "requestedBy": (await node.sy.registry.keys.authenticate(node.admin_key)).key_id,
            "reason": "dim at night",
            "valueBefore": "100",
            "valueAfter": "50",
        }
        assert station.value("LightIntensity") == "50"
        # The read-back is a GetConfiguration for exactly that key, after the change.
        assert station.received_actions()[-2:] == ["ChangeConfiguration", "GetConfiguration"]
        assert await event_types(node, requested["_id"]) == [f"{UPDATE}.requested", f"{UPDATE}.accepted"]


async def test_a_rejected_change_is_rejected_with_the_station_answer(node: RunningNode) -> None:
    # The station's StopTxnSampledDataMaxLength is 0: it refuses any measurand there.
    async with read_station(node, "CFG-R") as (station, station_id):
        requested = ok_result(await change(node, station_id, "StopTxnSampledData", "Voltage"))
        done = await wait_action(node, requested["_id"])
        assert done["status"] == "rejected"
        assert done["response_data"] == {"status": "Rejected"}
        assert station.value("StopTxnSampledData") == ""
        assert await event_types(node, requested["_id"]) == [f"{UPDATE}.requested", f"{UPDATE}.rejected"]


async def test_a_key_the_station_no_longer_knows_is_rejected_as_not_supported(node: RunningNode) -> None:
    async with read_station(node, "CFG-N") as (_, station_id):
        # The last report listed BlinkRepeat (say, before a firmware update removed it).
        async with node.sy.db.transaction() as session:
            session.add(ReportedSetting(station_id=station_id, name="BlinkRepeat", value="1", readonly=False))
        requested = ok_result(await change(node, station_id, "BlinkRepeat", "3"))
        done = await wait_action(node, requested["_id"])
        assert done["status"] == "rejected"
        assert done["response_data"] == {"status": "NotSupported"}
        assert await event_types(node, requested["_id"]) == [f"{UPDATE}.requested", f"{UPDATE}.rejected"]


async def test_a_read_back_that_disagrees_fails_the_change(node: RunningNode) -> None:
    async with read_station(node, "CFG-M", profile="rounding-16") as (station, station_id):
        requested = ok_result(await change(node, station_id, "HeartbeatInterval", "901"))
        done = await wait_action(node, requested["_id"])
        assert done["status"] == "failed"
        assert done["response_data"] == {
            "status": "Accepted",
            "reason": "station accepted HeartbeatInterval=901 but reports 900",
        }
        assert done["audit"]["valueAfter"] == "900"
        assert station.value("HeartbeatInterval") == "900"
        assert await event_types(node, requested["_id"]) == [f"{UPDATE}.requested", f"{UPDATE}.failed"]


async def test_changes_in_one_request_are_a_queue_sent_one_at_a_time(node: RunningNode) -> None:
    async with read_station(node, "CFG-Q", faults=parse_faults("slow=0.3")) as (station, station_id):
        response = await node.api.post(
            f"/v1.1/chargestations/{station_id}/configurations",
            json=[{"key": "LightIntensity", "value": "40"}, {"key": "ConnectionTimeOut", "value": "120"}],
            headers=node.auth(),
        )
        first, second = ok_result(response)
        # While the first is with the station, the second has not left.
        await wait_action(node, first["_id"], phase="sending")
        assert (await action(node, second["_id"]))["phase"] == "queued"
        done = [await wait_action(node, first["_id"]), await wait_action(node, second["_id"])]
        assert [d["status"] for d in done] == ["completed", "completed"]
        sent = [m for m in station.received if m.action in ("ChangeConfiguration", "GetConfiguration")]
        # change, read-back, change, read-back: the second change only after the first was read back.
        keys = [(m.action, m.payload.get("key")) for m in sent][-4:]
        assert keys == [
            ("ChangeConfiguration", "LightIntensity"),
            ("GetConfiguration", ["LightIntensity"]),
            ("ChangeConfiguration", "ConnectionTimeOut"),
            ("GetConfiguration", ["ConnectionTimeOut"]),
        ]


async def test_a_second_change_waits_for_the_first(node: RunningNode) -> None:
    async with read_station(node, "CFG-W", faults=parse_faults("slow=0.3")) as (_, station_id):
        first = ok_result(await change(node, station_id, "LightIntensity", "30"))
        await wait_action(node, first["_id"], phase="sending")
        second = ok_result(await change(node, station_id, "LightIntensity", "20"))
        assert (await action(node, second["_id"]))["phase"] == "queued"
        first_done, second_done = await wait_action(node, first["_id"]), await wait_action(node, second["_id"])
        assert first_done["audit"]["valueAfter"] == "30"
        # Asked for while the report said 100; sent after the first change was read back as 30.
        assert second_done["audit"]["valueBefore"] == "30"
        assert second_done["audit"]["valueAfter"] == "20"
        assert second_done["updatedAt"] >= first_done["updatedAt"]


async def test_reboot_required_holds_later_changes_until_the_reboot_then_confirms(node: RunningNode) -> None:
    async with read_station(node, "CFG-B", profile="reboot-heavy-16") as (station, station_id):
        pending = ok_result(await change(node, station_id, "MeterValueSampleInterval", "15"))
        completed = await wait_action(node, pending["_id"])
        assert completed["status"] == "completed"
        assert completed["response_data"] == {"status": "RebootRequired"}
        assert completed["phase"] == "awaiting_reboot"
        assert await event_types(node, pending["_id"]) == [f"{UPDATE}.requested", f"{UPDATE}.accepted"]

        held = ok_result(await change(node, station_id, "HeartbeatInterval", "600"))
        waiting = await wait_reason(node, held["_id"], "must reboot first")
        assert waiting["status"] == "requested"
        assert waiting["phase"] == "queued"
        assert waiting["waitingFor"] == (
            "the station must reboot first: waiting for it to apply MeterValueSampleInterval"
        )
        await asyncio.sleep(0.3)
        assert station.received_actions().count("ChangeConfiguration") == 1  # the held one was not sent

        reset = ok_result(
            await node.api.post(f"/v1.1/chargestations/{station_id}/reset", json={"type": "Soft"}, headers=node.auth())
        )
        assert (await wait_action(node, reset["_id"]))["status"] == "completed"
        reset_events = await event_types(node, reset["_id"])
        assert reset_events == ["chargestation.reset.requested", "chargestation.reset.accepted"]
        confirmed = await wait_action(node, pending["_id"], phase="done")
        assert confirmed["status"] == "completed"
        assert confirmed["audit"]["valueAfter"] == "15"
        released = await wait_action(node, held["_id"])
        assert released["status"] == "completed"
        assert station.value("HeartbeatInterval") == "600"
        # The reboot's BootNotification also had the whole configuration read again.
        await wait_read(node, station_id, count=2)
        reads = await actions_of(node, station_id, type="chargestation.get_configuration")
        assert [r["status"] for r in reads] == ["completed", "completed"]


async def test_a_change_the_station_does_not_answer_fails_on_timeout(node: RunningNode) -> None:
    async with read_station(node, "CFG-T", faults=parse_faults("ignore=ChangeConfiguration")) as (_, station_id):
        requested = ok_result(await change(node, station_id, "LightIntensity", "50"))
        done = await wait_action(node, requested["_id"])
        assert done["status"] == "failed"
        assert done["response_data"] == {"reason": "the station did not answer ChangeConfiguration within 2 s"}
        # It reached the station all the same: the spacing to the next change counts from it.
        async with node.sy.db.sessions() as session:
            state = await session.get(ConfigurationState, station_id)
        assert state is not None
        assert state.last_change_at is not None


async def test_a_reset_after_changes_waits_for_the_last_change(tmp_path: Path) -> None:
    from tests.configuration.support import SETTINGS, baseline
    from tests.support import running_node

    # Spacing long enough that the second change is certainly still waiting when the reset comes.
    async with running_node(tmp_path, **{**SETTINGS, "change_spacing": 1.0}) as node:
        await baseline(node, enabled=False)
        async with read_station(node, "CFG-RL") as (station, station_id):
            path = f"/v1.1/chargestations/{station_id}"
            body = [{"key": "LightIntensity", "value": "40"}, {"key": "ConnectionTimeOut", "value": "120"}]
            first, second = ok_result(await node.api.post(f"{path}/configurations", json=body, headers=node.auth()))
            await wait_reason(node, second["_id"], "spacing")
            reset = ok_result(await node.api.post(f"{path}/reset", json={"type": "Soft"}, headers=node.auth()))
            for action_id in (first["_id"], second["_id"], reset["_id"]):
                assert (await wait_action(node, action_id))["status"] == "completed"
            sent = [m.action for m in station.received if m.action in ("ChangeConfiguration", "Reset")]
            assert sent == ["ChangeConfiguration", "ChangeConfiguration", "Reset"]


async def test_a_disconnect_before_the_answer_fails_the_change(node: RunningNode) -> None:
    async with read_station(node, "CFG-D", faults=parse_faults("slow=1")) as (station, station_id):
        requested = ok_result(await change(node, station_id, "LightIntensity", "50"))
        await wait_action(node, requested["_id"], phase="sending")
        await station.stop()
        done = await wait_action(node, requested["_id"])
        assert done["status"] == "failed"
        assert done["response_data"]["reason"].startswith(
            "the station disconnected before answering ChangeConfiguration"
        )


async def test_an_offline_station_s_change_waits_for_it_to_reconnect(node: RunningNode) -> None:
    async with read_station(node, "CFG-O") as (station, station_id):
        await station.stop()
        requested = ok_result(await change(node, station_id, "LightIntensity", "70"))
        waiting = await wait_reason(node, requested["_id"], "not connected")
        assert waiting["status"] == "requested"
        station.start()
        done = await wait_action(node, requested["_id"])
        assert done["status"] == "completed"
        assert station.value("LightIntensity") == "70"


async def test_an_offline_station_s_change_expires(tmp_path: Path) -> None:
    from tests.configuration.support import SETTINGS, baseline
    from tests.support import running_node

    async with running_node(tmp_path, **{**SETTINGS, "action_expiry": 1.0}) as node:
        await baseline(node, enabled=False)
        async with read_station(node, "CFG-X") as (station, station_id):
            await station.stop()
            requested = ok_result(await change(node, station_id, "LightIntensity", "70"))
            done = await wait_action(node, requested["_id"], timeout=5)
            assert done["status"] == "failed"
            assert done["response_data"] == {"reason": "expired"}
            # Never sent, so never announced as sent ("requested"): only its end.
            assert await event_types(node, requested["_id"]) == [f"{UPDATE}.failed"]
