"""Resets: the station goes Unavailable, drops, waits, reconnects, boots with the right reason."""

from pathlib import Path

from switchyard.sim.station import SimulatedStation
from tests.sim.support import booted_station, register, spec_for
from tests.support import RunningNode


async def test_16_soft_and_hard_resets_apply_what_waited_for_a_reboot(node: RunningNode) -> None:
    async with booted_station(node, "SIM-1") as station:
        call = node.sy.link.call
        priority = {"key": "NetworkConfigurationPriority", "value": "NetworkConnectionProfile1"}
        assert (await call("SIM-1", "ChangeConfiguration", priority))["status"] == "RebootRequired"
        for number, kind in enumerate(("Soft", "Hard"), start=2):
            assert await call("SIM-1", "Reset", {"type": kind}) == {"status": "Accepted"}
            await station.wait_for(lambda n=number: len(station.boots) == n and station.boot_status == "Accepted")
        assert station.value("NetworkConfigurationPriority") == "NetworkConnectionProfile1"
        assert station.connections == 3


async def test_16_reset_stops_a_running_transaction_first(node: RunningNode) -> None:
    async with booted_station(node, "SIM-1") as station:
        await station.start_transaction(1, "TAG-9")
        assert await node.sy.link.call("SIM-1", "Reset", {"type": "Soft"}) == {"status": "Accepted"}
        await station.wait_for(lambda: len(station.boots) == 2)
        assert station.transactions == {}


async def test_201_immediate_reset_boots_with_remote_reset(node: RunningNode) -> None:
    async with booted_station(node, "EV-1", "2.0.1") as station:
        assert await node.sy.link.call("EV-1", "Reset", {"type": "Immediate"}) == {"status": "Accepted"}
        await station.wait_for(lambda: len(station.boots) == 2)
        assert [reason for _, reason, _ in station.boots] == ["PowerUp", "RemoteReset"]


async def test_201_on_idle_reset_waits_for_the_transaction(node: RunningNode) -> None:
    async with booted_station(node, "EV-1", "2.0.1") as station:
        await station.start_transaction(1, "TAG-1")
        assert await node.sy.link.call("EV-1", "Reset", {"type": "OnIdle"}) == {"status": "Scheduled"}
        assert len(station.boots) == 1
        await station.stop_transaction(1)
        await station.wait_for(lambda: len(station.boots) == 2)
        assert station.boots[-1][1] == "RemoteReset"


async def test_201_on_idle_reset_of_an_idle_station_is_immediate(node: RunningNode) -> None:
    async with booted_station(node, "EV-1", "2.0.1") as station:
        assert await node.sy.link.call("EV-1", "Reset", {"type": "OnIdle"}) == {"status": "Accepted"}
        await station.wait_for(lambda: len(station.boots) == 2)


async def test_201_evse_reset_does_not_reboot(node: RunningNode) -> None:
    async with booted_station(node, "EV-1", "2.0.1") as station:
        assert await node.sy.link.call("EV-1", "Reset", {"type": "Immediate", "evseId": 1}) == {"status": "Accepted"}
        assert await node.sy.link.call("EV-1", "Reset", {"type": "Immediate", "evseId": 9}) == {"status": "Rejected"}
        assert len(station.boots) == 1


async def test_configuration_survives_a_reboot_and_a_simulator_restart(node: RunningNode, tmp_path: Path) -> None:
    spec = spec_for(node, "SIM-P", "1.6", tmp_path)
    await register(node, spec)
    async with SimulatedStation(spec) as station:
        await station.wait_booted()
        await node.sy.link.call("SIM-P", "ChangeConfiguration", {"key": "HeartbeatInterval", "value": "123"})
        await node.sy.link.call("SIM-P", "Reset", {"type": "Hard"})
        await station.wait_for(lambda: len(station.boots) == 2)
        assert station.value("HeartbeatInterval") == "123"
    async with SimulatedStation(spec) as restarted:
        await restarted.wait_booted()
        assert restarted.value("HeartbeatInterval") == "123"
        answer = await node.sy.link.call("SIM-P", "GetConfiguration", {"key": ["HeartbeatInterval"]})
        assert answer["configurationKey"][0]["value"] == "123"


async def test_201_variables_survive_a_simulator_restart(node: RunningNode, tmp_path: Path) -> None:
    spec = spec_for(node, "EV-P", "2.0.1", tmp_path)
    await register(node, spec)
    item = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "OfflineThreshold"}, "attributeValue": "321"}
    async with SimulatedStation(spec) as station:
        await station.wait_booted()
        await node.sy.link.call("EV-P", "SetVariables", {"setVariableData": [item]})
    async with SimulatedStation(spec) as restarted:
        await restarted.wait_booted()
        assert restarted.value("OCPPCommCtrlr.OfflineThreshold") == "321"
