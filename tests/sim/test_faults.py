"""Each fault option, seen from the CSMS side."""

import json
from dataclasses import replace
from pathlib import Path

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.typing import Subprotocol

from switchyard.errors import CallError, CallTimeout, InvalidInput
from switchyard.sim.faults import NO_FAULTS, Faults, parse_faults
from switchyard.sim.fleet import fleet_specs
from switchyard.sim.spec import StationSpec
from switchyard.sim.station import SimulatedStation
from tests.configuration.support import baseline
from tests.sim.support import booted_station, profile_for, register, spec_for
from tests.support import RunningNode, running_node


async def test_drop_reconnects_without_booting_again(node: RunningNode) -> None:
    """Regression (flaky on 2 busy cores): the test's own call raced the next random drop, and a drop
    during the status reports that follow an accepted boot made the station boot again."""
    async with booted_station(node, "SIM-D", faults=Faults(drop_per_minute=600)) as station:
        await station.wait_for(lambda: station.connections >= 3)
        assert len(station.boots) == 1, "an accepted station reconnects without a new BootNotification"
        # A drop can come at any moment, so a call now would race it. Calm the station (its next
        # connection has no faults), then check that the node talks to it on that connection.
        await station.stop()
        await station.wait_for(lambda: not node.sy.link.is_connected("SIM-D"))
        station.spec = replace(station.spec, faults=NO_FAULTS)
        station.start()
        await station.wait_for(lambda: node.sy.link.is_connected("SIM-D"))
        answer = await node.sy.link.call("SIM-D", "GetConfiguration", {"key": ["HeartbeatInterval"]})
        assert answer["configurationKey"][0]["key"] == "HeartbeatInterval"
        assert len(station.boots) == 1


async def test_a_drop_right_after_an_accepted_boot_is_no_reboot() -> None:
    """Regression: the connection dropped while the station sent its StatusNotification after an
    accepted boot, and the station booted again (reason PowerUp) on its next connection."""
    connections: list[list[str]] = []

    async def csms(connection: ServerConnection) -> None:
        actions: list[str] = []
        connections.append(actions)
        async for raw in connection:
            frame = json.loads(raw)
            actions.append(frame[2])
            if frame[2] == "BootNotification":
                accepted = {"status": "Accepted", "currentTime": "2026-01-01T00:00:00.000Z", "interval": 1}
                await connection.send(json.dumps([3, frame[1], accepted]))
            elif len(connections) == 1:
                return  # the first StatusNotification: hang up without answering
            else:
                answer = {"currentTime": "2026-01-01T00:00:01.000Z"} if frame[2] == "Heartbeat" else {}
                await connection.send(json.dumps([3, frame[1], answer]))

    async with serve(csms, "127.0.0.1", 0, subprotocols=[Subprotocol("ocpp1.6")]) as server:
        port = server.sockets[0].getsockname()[1]
        spec = StationSpec(
            "DROP-1", f"ws://127.0.0.1:{port}/ocpp", profile_for("1.6"), password="x" * 32, backoff_min=0.05
        )
        async with SimulatedStation(spec) as station:
            # The second connection's first frame tells: a Heartbeat (interval 1 s), not a BootNotification.
            await station.wait_for(lambda: len(connections) >= 2 and bool(connections[1]))
    assert connections[0] == ["BootNotification", "StatusNotification"]
    assert connections[1][0] == "Heartbeat"
    assert [reason for _, reason, _ in station.boots] == ["PowerUp"]


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
        await baseline(node, enabled=False)  # its pinned 900 s would be the interval between boots
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


def test_fallback_with_a_fraction_goes_to_that_share_of_a_mixed_fleet() -> None:
    profiles = [profile_for("1.6"), profile_for("2.0.1")]
    specs = fleet_specs(1000, "ws://x/ocpp", profiles, faults=parse_faults("fallback,fraction=0.05"))
    chosen = [s for s in specs if s.faults.fallback]
    assert 30 <= len(chosen) <= 70
    for version in ("1.6", "2.0.1"):
        assert 10 <= sum(s.ocpp == version for s in chosen) <= 40, version
    assert all(s.faults == Faults(fallback=True, fraction=0.05) for s in chosen)
    assert all(s.faults == NO_FAULTS for s in specs if s not in chosen)


def test_fault_options_parse_and_bad_ones_say_why() -> None:
    parsed = parse_faults(
        "drop=0.5,slow=2,ignore=Reset,ignore=GetVariables,error=Reset:NotSupported,boot=pending,sticky,flap=10,"
        "fallback,fraction=0.25"
    )
    assert parsed == Faults(
        drop_per_minute=0.5,
        answer_delay=2.0,
        ignore=frozenset({"Reset", "GetVariables"}),
        call_errors={"Reset": "NotSupported"},
        boot="pending",
        sticky=True,
        flap_seconds=10.0,
        fallback=True,
        fraction=0.25,
    )
    assert parse_faults("fallback").any, "a fleet gives it to its chosen fraction like any other fault"
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
