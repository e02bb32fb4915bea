"""Moving stations from one gateway to another, with the methods Switchyard will automate.

Driven step by step from the test with raw OCPP calls: the 1.6 vendor procedure of seed 000 and the
2.0.1 B09/B10 procedure (SetNetworkProfile, NetworkConfigurationPriority, Reset), and a station that
falls back to the first gateway when the second is down.
"""

import socket
from pathlib import Path

from switchyard.sim.station import SimulatedStation
from tests.sim.support import network_profile, priority, register, spec_for
from tests.support import RunningNode, running_node


async def test_16_station_moves_with_the_seed_000_procedure(
    node: RunningNode, second: RunningNode, tmp_path: Path
) -> None:
    spec = spec_for(node, "MIG-16", "1.6", tmp_path)
    await register(node, spec)
    await register(second, spec)
    async with SimulatedStation(spec) as station:
        await station.wait_booted()
        old = node.sy.link.call
        keys = ["NetworkConnectionProfile1", "NetworkConnectionProfile2", "NetworkConfigurationPriority"]
        current = {
            k["key"]: k.get("value")
            for k in (await old("MIG-16", "GetConfiguration", {"key": keys}))["configurationKey"]
        }
        assert current == {
            "NetworkConnectionProfile1": node.ws_url,
            "NetworkConnectionProfile2": "",
            "NetworkConfigurationPriority": "NetworkConnectionProfile1,NetworkConnectionProfile2",
        }
        new_url = {"key": "NetworkConnectionProfile2", "value": second.ws_url}
        assert await old("MIG-16", "ChangeConfiguration", new_url) == {"status": "Accepted"}
        swap = {"key": "NetworkConfigurationPriority", "value": "NetworkConnectionProfile2,NetworkConnectionProfile1"}
        assert await old("MIG-16", "ChangeConfiguration", swap) == {"status": "RebootRequired"}
        assert await old("MIG-16", "Reset", {"type": "Hard"}) == {"status": "Accepted"}
        await station.wait_for(lambda: len(station.boots) == 2)
        assert station.boots[-1] == (second.ws_url, "Hard", "Accepted")
        assert second.sy.link.is_connected("MIG-16")
        assert not node.sy.link.is_connected("MIG-16")
        # the new CSMS reads the same keys and sees itself first
        moved = await second.sy.link.call("MIG-16", "GetConfiguration", {"key": ["NetworkConfigurationPriority"]})
        assert moved["configurationKey"][0]["value"] == "NetworkConnectionProfile2,NetworkConnectionProfile1"


async def test_16_url_rules_of_seed_000(node: RunningNode) -> None:
    spec = spec_for(node, "MIG-R", "1.6")
    await register(node, spec)
    async with SimulatedStation(spec) as station:
        await station.wait_booted()
        for bad in ('"ws://host/ocpp"', "ws://host/oc pp", "http://host/ocpp", f"ws://host/ocpp/{station.identity}"):
            change = {"key": "NetworkConnectionProfile2", "value": bad}
            assert await node.sy.link.call("MIG-R", "ChangeConfiguration", change) == {"status": "Rejected"}, bad
        unset = {"key": "NetworkConfigurationPriority", "value": "NetworkConnectionProfile2,NetworkConnectionProfile1"}
        assert await node.sy.link.call("MIG-R", "ChangeConfiguration", unset) == {"status": "Rejected"}


async def test_201_station_moves_with_set_network_profile(
    node: RunningNode, second: RunningNode, tmp_path: Path
) -> None:
    spec = spec_for(node, "MIG-201", "2.0.1", tmp_path)
    await register(node, spec)
    await register(second, spec)
    async with SimulatedStation(spec) as station:
        await station.wait_booted()
        old = node.sy.link.call
        answer = await old(
            "MIG-201", "SetNetworkProfile", {"configurationSlot": 2, "connectionData": network_profile(second.ws_url)}
        )
        assert answer == {"status": "Accepted"}
        result = (await old("MIG-201", "SetVariables", priority("2,1")))["setVariableResult"][0]
        assert result["attributeStatus"] == "RebootRequired"
        assert await old("MIG-201", "Reset", {"type": "OnIdle"}) == {"status": "Accepted"}
        await station.wait_for(lambda: len(station.boots) == 2)
        assert station.boots[-1] == (second.ws_url, "RemoteReset", "Accepted")
        assert station.value("OCPPCommCtrlr.ActiveNetworkProfile") == "2"
        assert second.sy.link.is_connected("MIG-201")


async def test_201_station_falls_back_when_the_new_csms_is_down(node: RunningNode, tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    dead_url = f"ws://127.0.0.1:{dead_port}/ocpp"
    spec = spec_for(node, "MIG-FB", "2.0.1", tmp_path)
    await register(node, spec)
    async with SimulatedStation(spec) as station:
        await station.wait_booted()
        call = node.sy.link.call
        assert (
            await call(
                "MIG-FB", "SetNetworkProfile", {"configurationSlot": 2, "connectionData": network_profile(dead_url)}
            )
        )["status"] == "Accepted"
        await call("MIG-FB", "SetVariables", priority("2,1"))
        await call("MIG-FB", "Reset", {"type": "Immediate"})
        await station.wait_for(lambda: len(station.boots) == 2, timeout=15)
        attempts = int(station.value("OCPPCommCtrlr.NetworkProfileConnectionAttempts") or 0)
        assert station.boots[-1] == (node.ws_url, "RemoteReset", "Accepted")
        assert station.value("OCPPCommCtrlr.ActiveNetworkProfile") == "1"
        assert station.route.last_good is not None
        assert station.route.last_good.slot == "1"
        assert attempts >= 1


async def test_201_set_network_profile_is_validated(node: RunningNode) -> None:
    spec = spec_for(node, "MIG-V", "2.0.1")
    await register(node, spec)
    async with SimulatedStation(spec) as station:
        await station.wait_booted()
        call = node.sy.link.call
        cases = [
            (9, network_profile("ws://elsewhere/ocpp"), "InvalidConfSlot"),
            (2, network_profile("http://elsewhere/ocpp"), "InvalidNetworkConf"),
            (2, {**network_profile("ws://elsewhere/ocpp"), "ocppVersion": "OCPP16"}, "InvalidNetworkConf"),
            (2, network_profile("ws://elsewhere/ocpp", security_profile=0), "NoSecurityDowngrade"),
            (2, network_profile("ws://elsewhere/ocpp", security_profile=2), "InvalidNetworkConf"),
        ]
        for slot, data, reason in cases:
            answer = await call("MIG-V", "SetNetworkProfile", {"configurationSlot": slot, "connectionData": data})
            assert answer == {"status": "Rejected", "statusInfo": {"reasonCode": reason}}, (slot, data)
        result = (await call("MIG-V", "SetVariables", priority("3,1")))["setVariableResult"][0]
        assert (result["attributeStatus"], result["attributeStatusInfo"]["reasonCode"]) == ("Rejected", "InvalidValue")
        assert station.firmware.network_candidates()[0].slot == "1"  # type: ignore[attr-defined]


async def test_a_station_that_loses_the_new_csms_comes_back_and_boots(node: RunningNode, tmp_path: Path) -> None:
    """B10.FR.07/10: no reboot this time; it falls back to the profile that last worked and boots there."""
    spec = spec_for(node, "MIG-BACK", "2.0.1", tmp_path)
    await register(node, spec)
    async with running_node(tmp_path / "third") as third:
        await register(third, spec)
        async with SimulatedStation(spec) as station:
            await station.wait_booted()
            slot_2 = {"configurationSlot": 2, "connectionData": network_profile(third.ws_url)}
            await node.sy.link.call("MIG-BACK", "SetNetworkProfile", slot_2)
            await node.sy.link.call("MIG-BACK", "SetVariables", priority("2,1"))
            await node.sy.link.call("MIG-BACK", "Reset", {"type": "Immediate"})
            await station.wait_for(lambda: len(station.boots) == 2)
            assert station.boots[-1][0] == third.ws_url
            await third.sy.stop()  # the new CSMS goes away while the station is connected
            await station.wait_for(lambda: len(station.boots) == 3, timeout=15)
            assert station.boots[-1] == (node.ws_url, "Unknown", "Accepted")
            assert node.sy.link.is_connected("MIG-BACK")
