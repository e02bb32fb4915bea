"""Each fault option, seen from the CSMS side."""

from pathlib import Path

import pytest

from switchyard.errors import CallError, CallTimeout, InvalidInput
from switchyard.sim.faults import Faults, parse_faults
from switchyard.sim.fleet import fleet_specs
from switchyard.sim.station import SimulatedStation
from tests.sim.support import booted_station, profile_for, register, spec_for
from tests.support import RunningNode, running_node


async def test_drop_reconnects_without_booting_again(node: RunningNode) -> None:
    async with booted_station(node, "SIM-D", faults=Faults(drop_per_minute=600)) as station:
        await station.wait_for(lambda: station.connections >= 3)
        assert len(station.boots) == 1, "an accepted station reconnects without a new BootNotification"
        await station.wait_connected()
        answer = await node.sy.link.call("SIM-D", "GetConfiguration", {"key": ["HeartbeatInterval"]})
        assert answer["configurationKey"][0]["key"] == "HeartbeatInterval"


async def test_slow_answers_arrive_late(node: RunningNode) -> None:
    async with booted_station(node, "SIM-S", faults=Faults(answer_delay=0.5)):
        with pytest.raises(CallTimeout):
            await node.sy.link.call("SIM-S", "GetConfiguration", {}, timeout=0.1)
        answer = await node.sy.link.call("SIM-S", "GetConfiguration", {"key": ["HeartbeatInterval"]}, timeout=5)
        assert answer["configurationKey"][0]["value"] == "901"


async def test_ignored_action_is_never_answered_others_are(node: RunningNode) -> None:
    async with booted_station(node, "SIM-I", faults=Faults(ignore=frozenset({"Reset"}))):
        with pytest.raises(CallTimeout):
            await node.sy.link.call("SIM-I", "Reset", {"type": "Soft"}, timeout=0.3)
        assert (await node.sy.link.call("SIM-I", "ClearCache", {}))["status"] == "Accepted"


async def test_call_error_fault(node: RunningNode) -> None:
    async with booted_station(node, "SIM-E", "2.0.1", faults=Faults(call_errors={"Reset": "InternalError"})):
        with pytest.raises(CallError) as caught:
            await node.sy.link.call("SIM-E", "Reset", {"type": "Immediate"})
        assert caught.value.code == "InternalError"


async def test_sticky_firmware_accepts_and_keeps_the_old_value(node: RunningNode) -> None:
    async with booted_station(node, "SIM-K", faults=Faults(sticky=True)) as station:
        change = {"key": "HeartbeatInterval", "value": "300"}
        assert await node.sy.link.call("SIM-K", "ChangeConfiguration", change) == {"status": "Accepted"}
        assert station.value("HeartbeatInterval") == "901"
        answer = await node.sy.link.call("SIM-K", "GetConfiguration", {"key": ["HeartbeatInterval"]})
        assert answer["configurationKey"][0]["value"] == "901"


async def test_boot_stuck_pending_keeps_booting(tmp_path: Path) -> None:
    async with running_node(tmp_path, heartbeat_interval=1) as node:
        spec = spec_for(node, "SIM-B", faults=Faults(boot="pending"))
        await register(node, spec)
        async with SimulatedStation(spec) as station:
            await station.wait_for(lambda: len(station.boots) >= 3, timeout=10)
            assert set(station.sent_actions()) == {"BootNotification"}, "never operational: no status, no heartbeat"


async def test_boot_rejected_hangs_up_every_time(node: RunningNode) -> None:
    spec = spec_for(node, "SIM-R", faults=Faults(boot="rejected"))
    await register(node, spec)
    async with SimulatedStation(spec) as station:
        await station.wait_for(lambda: station.connections >= 3)
        assert station.boots == []
        assert not station.booted.is_set()


async def test_flap(node: RunningNode) -> None:
    async with booted_station(node, "SIM-F", faults=Faults(flap_seconds=0.2)) as station:
        await station.wait_for(lambda: station.connections >= 3)


def test_fraction_picks_the_same_stations_for_the_same_seed() -> None:
    faults = Faults(sticky=True, fraction=0.5)
    profile = profile_for("1.6")
    first = fleet_specs(40, "ws://x/ocpp", profile, faults=faults, fault_seed=7)
    again = fleet_specs(40, "ws://x/ocpp", profile, faults=faults, fault_seed=7)
    other = fleet_specs(40, "ws://x/ocpp", profile, faults=faults, fault_seed=8)
    chosen = [s.identity for s in first if s.faults.sticky]
    assert chosen == [s.identity for s in again if s.faults.sticky]
    assert chosen != [s.identity for s in other if s.faults.sticky]
    assert 5 < len(chosen) < 35


def test_fault_options_parse_and_bad_ones_say_why() -> None:
    parsed = parse_faults(
        "drop=0.5,slow=2,ignore=Reset,ignore=GetVariables,error=Reset:NotSupported,boot=pending,sticky,flap=10,fraction=0.25"
    )
    assert parsed == Faults(
        drop_per_minute=0.5,
        answer_delay=2.0,
        ignore=frozenset({"Reset", "GetVariables"}),
        call_errors={"Reset": "NotSupported"},
        boot="pending",
        sticky=True,
        flap_seconds=10.0,
        fraction=0.25,
    )
    for bad, reason in (
        ("drop=x", "not a number"),
        ("drop=-1", "above zero"),
        ("boot=maybe", "pending or rejected"),
        ("fraction=2", "between 0 and 1"),
        ("teleport=1", "unknown fault"),
        ("ignore=", "name an OCPP action"),
    ):
        with pytest.raises(InvalidInput, match=reason):
            parse_faults(bad)
