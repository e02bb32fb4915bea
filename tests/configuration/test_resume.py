"""What a restarted node does with actions it left half-way (as a kill leaves them in the database)."""

from datetime import timedelta

from sqlalchemy import update

from switchyard.store.config_tables import Action
from tests.configuration.support import ok_result, read_station, wait_action
from tests.support import RunningNode


async def leave_sending(node: RunningNode, action_id: str) -> None:
    """The state a kill between 'sending' and the answer leaves behind, then the lane looks again."""
    async with node.sy.db.transaction() as session:
        await session.execute(
            update(Action)
            .where(Action.id == action_id)
            .values(phase="sending", sent_at=node.sy.clock.now() - timedelta(seconds=1))
        )


async def test_a_change_that_was_never_applied_is_read_back_then_sent_once_more(node: RunningNode) -> None:
    async with read_station(node, "RES-1") as (station, station_id):
        await node.sy.sequencer.stop()  # the lane is gone, as in a dead node
        requested = ok_result(
            await node.api.post(
                f"/v1.1/chargestations/{station_id}/configurations",
                json={"key": "LightIntensity", "value": "25"},
                headers=node.auth(),
            )
        )
        await leave_sending(node, requested["_id"])
        before = len(station.received)
        await node.sy.sequencer.start()
        done = await wait_action(node, requested["_id"])
        assert done["status"] == "completed"
        assert station.value("LightIntensity") == "25"
        # First the read-back (the station still has 100), then the change, then its read-back.
        assert [m.action for m in list(station.received)[before:]] == [
            "GetConfiguration",
            "ChangeConfiguration",
            "GetConfiguration",
        ]


async def test_a_change_that_was_applied_is_completed_by_the_read_back_alone(node: RunningNode) -> None:
    async with read_station(node, "RES-2") as (station, station_id):
        await node.sy.sequencer.stop()
        requested = ok_result(
            await node.api.post(
                f"/v1.1/chargestations/{station_id}/configurations",
                json={"key": "LightIntensity", "value": "25"},
                headers=node.auth(),
            )
        )
        # The station got it and applied it; the node died before recording the answer.
        await node.sy.link.call("RES-2", "ChangeConfiguration", {"key": "LightIntensity", "value": "25"})
        await leave_sending(node, requested["_id"])
        before = len(station.received)
        await node.sy.sequencer.start()
        done = await wait_action(node, requested["_id"])
        assert done["status"] == "completed"
        assert done["response_data"] == {"status": "Accepted", "note": "decided by read-back after a restart"}
        assert [m.action for m in list(station.received)[before:]] == ["GetConfiguration"]


async def test_a_reset_that_may_have_left_is_not_sent_again(node: RunningNode) -> None:
    async with read_station(node, "RES-3") as (station, station_id):
        await node.sy.sequencer.stop()
        requested = ok_result(
            await node.api.post(f"/v1.1/chargestations/{station_id}/reset", json={"type": "Soft"}, headers=node.auth())
        )
        await leave_sending(node, requested["_id"])
        await node.sy.sequencer.start()
        done = await wait_action(node, requested["_id"])
        assert done["status"] == "failed"
        assert done["response_data"]["reason"].startswith("the node stopped while sending the Reset")
        assert "Reset" not in station.received_actions()
