"""TriggerMessage: the station sends what it was asked for, or says it cannot."""

import pytest

from tests.sim.support import booted_station
from tests.support import RunningNode


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_trigger_message(node: RunningNode, version: str) -> None:
    async with booted_station(node, f"TRG-{version}", version) as station:
        call = node.sy.link.call
        for message, action in (("Heartbeat", "Heartbeat"), ("StatusNotification", "StatusNotification")):
            before = station.sent_actions().count(action)
            assert await call(station.identity, "TriggerMessage", {"requestedMessage": message}) == {
                "status": "Accepted"
            }
            await station.wait_for(lambda a=action, b=before: station.sent_actions().count(a) > b)
        assert await call(station.identity, "TriggerMessage", {"requestedMessage": "MeterValues"}) == {
            "status": "NotImplemented"
        }
        assert (await call(station.identity, "TriggerMessage", {"requestedMessage": "BootNotification"}))[
            "status"
        ] == "Accepted"
        await station.wait_for(lambda: station.sent_actions().count("BootNotification") == 2)
