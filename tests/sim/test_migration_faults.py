"""The failures a CSMS migration must handle, shown by simulated stations.

A station that takes the new CSMS but cannot reach it (the `fallback` fault) comes back to the old one
and boots there, its network keys or variables still naming the new CSMS first. Firmware that accepts
the network keys and keeps the old values (`sticky`) is caught by reading them back. A 2.0.1 OnIdle
reset waits for the transaction; a 1.6 Hard reset ends it at once, so a CSMS that must not interrupt a
charge waits for idle itself. A step can be answered with a CALLERROR (`error=`).
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from switchyard.errors import CallError
from switchyard.sim.faults import Faults, parse_faults
from switchyard.sim.station import SimulatedStation
from tests.sim.support import booted_station, network_profile, priority, register, spec_for
from tests.support import RunningNode

NETWORK_KEYS = ["NetworkConnectionProfile1", "NetworkConnectionProfile2", "NetworkConfigurationPriority"]
NEW_FIRST = "NetworkConnectionProfile2,NetworkConnectionProfile1"
NOWHERE = "ws://127.0.0.1:1/ocpp"  # a valid new CSMS URL for steps that never get as far as connecting


@asynccontextmanager
async def known_to_both(
    node: RunningNode, second: RunningNode, identity: str, version: str, tmp_path: Path, **options: Any
) -> AsyncIterator[SimulatedStation]:
    """A station registered at both nodes, booted at the first."""
    spec = spec_for(node, identity, version, tmp_path, **options)
    await register(node, spec)
    await register(second, spec)
    async with SimulatedStation(spec) as station:
        assert await station.wait_booted() == "Accepted"
        yield station


async def point_16_at(node: RunningNode, identity: str, url: str) -> list[str]:
    """Seed 000 steps 2 and 3 sent by `node`: the new URL into slot 2, slot 2 first; the two statuses."""
    changes = [("NetworkConnectionProfile2", url), ("NetworkConfigurationPriority", NEW_FIRST)]
    return [
        (await node.sy.link.call(identity, "ChangeConfiguration", {"key": key, "value": value}))["status"]
        for key, value in changes
    ]


async def point_201_at(node: RunningNode, identity: str, url: str, order: str = "2,1") -> list[str]:
    """B09 and B10 sent by `node`: the new URL into slot 2, then the priority; the two statuses."""
    slot_2 = {"configurationSlot": 2, "connectionData": network_profile(url)}
    written = await node.sy.link.call(identity, "SetNetworkProfile", slot_2)
    ordered = await node.sy.link.call(identity, "SetVariables", priority(order))
    return [written["status"], ordered["setVariableResult"][0]["attributeStatus"]]


async def network_keys(node: RunningNode, identity: str) -> dict[str, str | None]:
    answer = await node.sy.link.call(identity, "GetConfiguration", {"key": NETWORK_KEYS})
    return {k["key"]: k.get("value") for k in answer["configurationKey"]}


def sent_before_the_reboot(station: SimulatedStation, call: str) -> bool:
    """Whether the station sent `call` (`TransactionEvent Ended` for that event) before its second boot."""
    calls = [" ".join(filter(None, (r.action, r.payload.get("eventType")))) for r in station.sent]
    return calls.index(call) < calls.index("BootNotification", 1)


async def variable(node: RunningNode, identity: str, name: str) -> str:
    item = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": name}}
    answer = await node.sy.link.call(identity, "GetVariables", {"getVariableData": [item]})
    return str(answer["getVariableResult"][0]["attributeValue"])


async def test_16_fallback_station_boots_on_the_old_csms_showing_the_new_priority(
    node: RunningNode, second: RunningNode, tmp_path: Path
) -> None:
    async with known_to_both(node, second, "FB-16", "1.6", tmp_path, faults=Faults(fallback=True)) as station:
        assert await point_16_at(node, "FB-16", second.ws_url) == ["Accepted", "RebootRequired"]
        assert await node.sy.link.call("FB-16", "Reset", {"type": "Hard"}) == {"status": "Accepted"}
        await station.wait_for(lambda: len(station.boots) == 2)
        assert station.boots[-1] == (node.ws_url, "Hard", "Accepted")
        assert station.route.failures == {"NetworkConnectionProfile2": station.firmware.attempts_per_slot()}
        assert station.connections == 2, "the new CSMS never saw a connection"
        assert node.sy.link.is_connected("FB-16")
        assert not second.sy.link.is_connected("FB-16")
        # What the old CSMS reads to explain the fallback: the new URL, first in the priority.
        assert await network_keys(node, "FB-16") == {
            "NetworkConnectionProfile1": node.ws_url,
            "NetworkConnectionProfile2": second.ws_url,
            "NetworkConfigurationPriority": NEW_FIRST,
        }


async def test_201_fallback_station_tries_the_new_slot_its_attempts_then_boots_on_the_old(
    node: RunningNode, second: RunningNode, tmp_path: Path
) -> None:
    async with known_to_both(node, second, "FB-201", "2.0.1", tmp_path, faults=Faults(fallback=True)) as station:
        attempts = {
            "component": {"name": "OCPPCommCtrlr"},
            "variable": {"name": "NetworkProfileConnectionAttempts"},
            "attributeValue": "5",
        }
        answer = await node.sy.link.call("FB-201", "SetVariables", {"setVariableData": [attempts]})
        assert answer["setVariableResult"][0]["attributeStatus"] == "Accepted"
        assert await point_201_at(node, "FB-201", second.ws_url) == ["Accepted", "RebootRequired"]
        assert await node.sy.link.call("FB-201", "Reset", {"type": "OnIdle"}) == {"status": "Accepted"}
        await station.wait_for(lambda: len(station.boots) == 2)
        assert station.boots[-1] == (node.ws_url, "RemoteReset", "Accepted")
        assert station.route.failures == {"2": 5}, "NetworkProfileConnectionAttempts tries on the new slot"
        assert station.connections == 2
        assert not second.sy.link.is_connected("FB-201")
        assert await variable(node, "FB-201", "NetworkConfigurationPriority") == "2,1"
        assert await variable(node, "FB-201", "ActiveNetworkProfile") == "1"


async def test_fallback_without_the_old_slot_in_the_priority_still_comes_back(
    node: RunningNode, second: RunningNode, tmp_path: Path
) -> None:
    """Priority "2" alone: every entry fails, and the station falls back to its last connection (B10.FR.07)."""
    async with known_to_both(node, second, "FB-ONLY", "2.0.1", tmp_path, faults=Faults(fallback=True)) as station:
        assert await point_201_at(node, "FB-ONLY", second.ws_url, order="2") == ["Accepted", "RebootRequired"]
        await node.sy.link.call("FB-ONLY", "Reset", {"type": "Immediate"})
        await station.wait_for(lambda: len(station.boots) == 2)
        assert station.boots[-1] == (node.ws_url, "RemoteReset", "Accepted")
        assert station.route.failures == {"2": 3}


async def test_16_sticky_network_keys_are_accepted_and_read_back_unchanged(node: RunningNode) -> None:
    async with booted_station(node, "STK-16", faults=Faults(sticky=True)) as station:
        before = await network_keys(node, "STK-16")
        assert await point_16_at(node, "STK-16", NOWHERE) == ["Accepted", "Accepted"]
        # The answers say nothing; reading the keys back is what tells.
        assert await network_keys(node, "STK-16") == before
        assert await node.sy.link.call("STK-16", "Reset", {"type": "Hard"}) == {"status": "Accepted"}
        await station.wait_for(lambda: len(station.boots) == 2)
        assert station.boots[-1] == (node.ws_url, "Hard", "Accepted")
        assert await network_keys(node, "STK-16") == before


async def test_201_on_idle_reset_while_charging_is_scheduled_and_moves_when_the_transaction_ends(
    node: RunningNode, second: RunningNode, tmp_path: Path
) -> None:
    """B12.FR.01: OnIdle while a transaction runs answers Scheduled; the reboot waits for its end."""
    async with known_to_both(node, second, "IDLE-201", "2.0.1", tmp_path) as station:
        await station.start_transaction(1, "TAG-1")
        assert await point_201_at(node, "IDLE-201", second.ws_url) == ["Accepted", "RebootRequired"]
        assert await node.sy.link.call("IDLE-201", "Reset", {"type": "OnIdle"}) == {"status": "Scheduled"}
        await asyncio.sleep(station.spec.reboot_seconds * 3)  # long enough for a reboot that did not wait
        assert len(station.boots) == 1
        assert node.sy.link.is_connected("IDLE-201")
        await station.stop_transaction(1)
        await station.wait_for(lambda: len(station.boots) == 2)
        assert station.boots[-1] == (second.ws_url, "RemoteReset", "Accepted")
        assert sent_before_the_reboot(station, "TransactionEvent Ended")


async def test_16_hard_reset_while_charging_ends_the_transaction_and_moves_at_once(
    node: RunningNode, second: RunningNode, tmp_path: Path
) -> None:
    """1.6 has no OnIdle: Hard is Accepted and the charge stops now; waiting for idle is the CSMS's job."""
    async with known_to_both(node, second, "HARD-16", "1.6", tmp_path) as station:
        await station.start_transaction(1, "TAG-1")
        assert await point_16_at(node, "HARD-16", second.ws_url) == ["Accepted", "RebootRequired"]
        assert await node.sy.link.call("HARD-16", "Reset", {"type": "Hard"}) == {"status": "Accepted"}
        await station.wait_for(lambda: len(station.boots) == 2)
        assert station.boots[-1] == (second.ws_url, "Hard", "Accepted")
        assert station.transactions == {}
        stops = [r.payload["reason"] for r in station.sent if r.action == "StopTransaction"]
        assert stops == ["HardReset"]
        assert sent_before_the_reboot(station, "StopTransaction"), "ended at the old CSMS, before the reboot"


@pytest.mark.parametrize(
    ("version", "fault", "code"),
    [
        ("2.0.1", "error=SetNetworkProfile:NotSupported", "NotSupported"),
        ("1.6", "error=ChangeConfiguration", "InternalError"),
    ],
)
async def test_a_migration_step_answered_with_a_call_error(
    node: RunningNode, version: str, fault: str, code: str
) -> None:
    async with booted_station(node, "ERR-1", version, faults=parse_faults(fault)) as station:
        point_at = point_16_at if version == "1.6" else point_201_at
        with pytest.raises(CallError) as caught:
            await point_at(node, "ERR-1", NOWHERE)
        assert caught.value.code == code
        assert [target.url for target in station.firmware.network_candidates()] == [node.ws_url]
