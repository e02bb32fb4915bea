"""Stations move from node A to node B, a peer Switchyard that A asks through its API."""

from pathlib import Path

from switchyard.sim.station import SimulatedStation
from tests.migration.support import ended, served_api, start_migration, states, wait_for_migration
from tests.sim.support import register, spec_for
from tests.support import RunningNode


async def test_16_and_201_stations_move_to_a_peer_and_are_confirmed_there(
    node: RunningNode, second: RunningNode, tmp_path: Path
) -> None:
    specs = [spec_for(node, "PEER-16", "1.6", tmp_path), spec_for(node, "PEER-201", "2.0.1", tmp_path)]
    for spec in specs:
        await register(node, spec)
        await register(second, spec)
    async with served_api(second) as b_api, SimulatedStation(specs[0]) as s16, SimulatedStation(specs[1]) as s201:
        await s16.wait_booted()
        await s201.wait_booted()
        body = {
            "targetUrl": second.ws_url,
            "stations": ["PEER-16", "PEER-201"],
            "securityProfile": 1,
            "confirmation": {"mode": "peer", "apiUrl": b_api, "apiKey": second.admin_key},
            "waves": {"canary": 1, "size": 10, "concurrency": 5},
        }
        job = await start_migration(node, body)
        done = await wait_for_migration(node, job["_id"], ended)
        assert states(done) == {"PEER-16": "confirmed", "PEER-201": "confirmed"}, done
        assert done["status"] == "completed"
        assert second.sy.link.is_connected("PEER-16")
        assert second.sy.link.is_connected("PEER-201")
