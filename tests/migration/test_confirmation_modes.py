"""A migration's arrival confirmed each way it can be (issue 10, point 3), through node A's API with
simulated stations: the station's boot at another endpoint of this deployment, the confirm call of an
external CSMS before a deadline, and (test_peer.py moves stations to a peer) the peer's preflight
refusals."""

from pathlib import Path
from typing import Any

from tests.migration.observe import booted, confirm, registered, tls_node, to_peer
from tests.migration.support import ended, migration, served_api, start_migration, states, wait_for_migration
from tests.sim.support import spec_for
from tests.support import RunningNode, basic, upgrade_status


def same_deployment(url: str, stations: list[str], profile: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "targetUrl": url,
        "stations": stations,
        "securityProfile": profile,
        "confirmation": {"mode": "same-deployment"},
        **extra,
    }


async def test_a_201_station_upgrades_from_profile_1_to_2_within_the_deployment(tmp_path: Path) -> None:
    """The station moves from node A's ws:// endpoint to its wss:// one with securityProfile 2. Its boot
    on the wss URL confirms the move; from then on the registry admits it on profile 2 only."""
    async with tls_node(tmp_path) as (node, ca_file, ca_pem):
        spec = spec_for(node, "UP-201", "2.0.1", tmp_path, ca_file=ca_file)
        async with booted([spec], node) as (station,):
            root = {"certificateType": "CSMSRootCertificate", "certificate": ca_pem}
            assert await node.sy.link.call("UP-201", "InstallCertificate", root) == {"status": "Accepted"}
            body = same_deployment(node.wss_url, ["UP-201"], profile=2, caCertificate=ca_pem)
            job = await start_migration(node, body)
            done = await wait_for_migration(node, job["_id"], ended)
            assert states(done) == {"UP-201": "confirmed"}, done
            assert done["status"] == "completed"
            assert station.boots[-1] == (node.wss_url, "RemoteReset", "Accepted")
            assert station.value("OCPPCommCtrlr.NetworkConfigurationPriority") == "2,1"
            record = await registered(node, "UP-201")
            assert (record.security_profile, record.migrating_security_profile) == (2, None)
            shown = await node.api.get(f"/v1.1/chargestations/{record.id}", headers=node.auth())
            assert shown.json()["result"]["securityProfile"] == 2
            # TC_A_19: once it arrived on profile 2, the old profile's door is shut.
            status, refusal = await upgrade_status(
                f"{node.ws_url}/UP-201", basic("UP-201", spec.password or ""), ["ocpp2.0.1"]
            )
            assert status == 401
            assert "security profile 2" in refusal
            assert node.sy.link.is_connected("UP-201")


async def test_a_16_station_moves_to_another_name_of_the_deployment(node: RunningNode, tmp_path: Path) -> None:
    """The gateway serves one path prefix (`ocpp_path_prefix`) on one ws:// and one wss:// listener, so a
    station cannot be moved to another path of node A. The other endpoint a 1.6 station can be given is
    another name of the same listener (`localhost` for `127.0.0.1`), as when a deployment changes its
    host name: only its boot on a connection made to that URL confirms it, not its return to the old
    one."""
    renamed = node.ws_url.replace("127.0.0.1", "localhost")
    async with booted([spec_for(node, "NAME-16", "1.6", tmp_path)], node) as (station,):
        job = await start_migration(node, same_deployment(renamed, ["NAME-16"]))
        done = await wait_for_migration(node, job["_id"], ended)
        assert states(done) == {"NAME-16": "confirmed"}, done
        assert [url for url, _, _ in station.boots] == [node.ws_url, renamed]
        assert station.value("NetworkConnectionProfile2") == renamed
        assert station.value("NetworkConfigurationPriority") == "NetworkConnectionProfile2,NetworkConnectionProfile1"
        # Not asked to clean up: the old slot stays as the fallback.
        assert station.value("NetworkConnectionProfile1") == node.ws_url
        assert node.sy.presence.connected_url("NAME-16") == renamed


def external(url: str, stations: list[str], deadline: int) -> dict[str, Any]:
    return {
        "targetUrl": url,
        "stations": stations,
        "securityProfile": 1,
        "confirmation": {"mode": "external", "deadlineSeconds": deadline},
        "waves": {"canary": 0, "size": 10, "concurrency": 5},
    }


async def test_stations_moved_to_an_external_csms_wait_for_its_confirm_call(
    node: RunningNode, second: RunningNode, tmp_path: Path
) -> None:
    """Node B stands in for a CSMS that node A cannot ask: the stations arrive there and stay `departed`
    at A until the confirm call; one that nobody confirms fails when its deadline passes."""
    specs = [
        spec_for(node, identity, version, tmp_path)
        for identity, version in (("EXT-16", "1.6"), ("EXT-201", "2.0.1"), ("EXT-LATE", "1.6"))
    ]
    async with booted(specs, node, second) as (s16, s201, late):
        job = await start_migration(node, external(second.ws_url, ["EXT-16", "EXT-201"], 60))
        unconfirmed = await start_migration(node, external(second.ws_url, ["EXT-LATE"], 1))

        def arrived_at_b(current: dict[str, Any]) -> bool:
            return all(s.boots[-1][0] == second.ws_url for s in (s16, s201)) and set(states(current).values()) == {
                "departed"
            }

        waiting = await wait_for_migration(node, job["_id"], arrived_at_b)
        assert waiting["status"] == "running"
        assert [s["step"] for s in waiting["stations"]] == ["await_arrival", "await_arrival"]
        assert second.sy.link.is_connected("EXT-16")
        assert second.sy.link.is_connected("EXT-201")

        confirmed = await confirm(node, job["_id"], "EXT-16")
        assert confirmed["result"]["state"] == "confirmed"
        assert states(await migration(node, job["_id"]))["EXT-201"] == "departed"
        await confirm(node, job["_id"], "EXT-201")
        done = await wait_for_migration(node, job["_id"], ended)
        assert states(done) == {"EXT-16": "confirmed", "EXT-201": "confirmed"}, done
        assert done["status"] == "completed"

        failed = await wait_for_migration(node, unconfirmed["_id"], ended)
        (station,) = failed["stations"]
        assert station["state"] == "failed"
        assert station["reason"] == "not confirmed within 1 s of the reset"
        assert late.boots[-1][0] == second.ws_url
        refused = await confirm(node, unconfirmed["_id"], "EXT-LATE", status=409)
        assert refused["message"].endswith("this one is failed")


async def test_a_peer_that_does_not_know_the_station_or_refuses_the_key_stops_it_before_anything_is_sent(
    node: RunningNode, second: RunningNode, tmp_path: Path
) -> None:
    """Peer mode asks node B before anything is sent: a station B has no record of is refused with that
    reason, and so is every station when B refuses the API key; none of them is touched."""
    known = spec_for(node, "PEER-KNOWN", "1.6", tmp_path)
    unknown = spec_for(node, "PEER-UNKNOWN", "2.0.1", tmp_path)
    async with (
        booted([known], node, second) as (s1,),
        booted([unknown], node) as (s2,),
        served_api(second) as b_api,
    ):
        job = await start_migration(node, to_peer(second, b_api, ["PEER-UNKNOWN"]))
        done = await wait_for_migration(node, job["_id"], ended)
        (station,) = done["stations"]
        assert (station["state"], station["reason"]) == (
            "preflight_failed",
            "the target Switchyard does not know the station: register it there first",
        )

        wrong = to_peer(second, b_api, ["PEER-KNOWN", "PEER-UNKNOWN"])
        wrong["confirmation"]["apiKey"] = "sy_not-a-key-of-node-b"
        wrong_key = await start_migration(node, wrong)
        refused = await wait_for_migration(node, wrong_key["_id"], ended)
        assert states(refused) == {"PEER-KNOWN": "preflight_failed", "PEER-UNKNOWN": "preflight_failed"}
        for station in refused["stations"]:
            assert station["reason"] == "the target Switchyard refused the API key (HTTP 401)", station
        assert "sy_not-a-key-of-node-b" not in str(refused)
        for sim in (s1, s2):
            assert sim.received_actions() == []
            assert len(sim.boots) == 1
