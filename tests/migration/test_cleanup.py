"""Seed 000 step 7 for a move within one deployment (`cleanup: true`): once the station is confirmed at
its new endpoint, this deployment still holds it and empties the old slot itself: blanked in 1.6,
dropped from the priority in 2.0.1."""

from pathlib import Path

from tests.migration.observe import booted, events
from tests.migration.support import ended, start_migration, states, wait_for_migration
from tests.sim.support import spec_for
from tests.support import RunningNode


async def test_the_old_slot_is_emptied_after_a_same_deployment_move(node: RunningNode, tmp_path: Path) -> None:
    """Both stations move to another name of node A's listener (the only other ws:// endpoint it has)."""
    specs = [spec_for(node, "CLEAN-16", "1.6", tmp_path), spec_for(node, "CLEAN-201", "2.0.1", tmp_path)]
    renamed = node.ws_url.replace("127.0.0.1", "localhost")
    async with booted(specs, node) as (s16, s201):
        body = {
            "targetUrl": renamed,
            "stations": ["CLEAN-16", "CLEAN-201"],
            "securityProfile": 1,
            "confirmation": {"mode": "same-deployment"},
            "waves": {"canary": 0, "size": 10, "concurrency": 5},
            "cleanup": True,
        }
        job = await start_migration(node, body)
        done = await wait_for_migration(node, job["_id"], ended)
        assert states(done) == {"CLEAN-16": "confirmed", "CLEAN-201": "confirmed"}, done
        for station in done["stations"]:
            assert (station["step"], station["reason"]) == ("done", None), station

        assert s16.value("NetworkConnectionProfile1") == ""
        assert s16.value("NetworkConnectionProfile2") == renamed
        assert s16.value("NetworkConfigurationPriority") == "NetworkConnectionProfile2,NetworkConnectionProfile1"

        # 2.0.1 takes a new priority at its next reboot (RebootRequired); the reset shows it held.
        assert s201.value("OCPPCommCtrlr.NetworkConfigurationPriority") == "2,1"
        assert await node.sy.link.call("CLEAN-201", "Reset", {"type": "Immediate"}) == {"status": "Accepted"}
        await s201.wait_for(lambda: len(s201.boots) == 3)
        assert s201.value("OCPPCommCtrlr.NetworkConfigurationPriority") == "2"
        assert s201.boots[-1] == (renamed, "RemoteReset", "Accepted")

    sequence = ["started", "slot_written", "priority_set", "reset", "departed", "arrived", "confirmed", "cleaned_up"]
    for identity in ("CLEAN-16", "CLEAN-201"):
        told = [e["type"] for e in await events(node, "chargestation.migration.*", identity)]
        assert told == [f"chargestation.migration.{name}" for name in sequence], identity
