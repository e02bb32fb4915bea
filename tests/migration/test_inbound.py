"""Node B as the new CSMS of an inbound migration (issue 10, point 4): the stations it expects are
registered up front with their credentials, the ones node A moves arrive, the one it never moves is
reported when the deadline passes, and each arrival's old slot is cleaned up from B's side."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from switchyard.clock import SystemClock
from switchyard.sim.faults import parse_faults
from switchyard.sim.station import SimulatedStation
from tests.migration.conftest import FAST
from tests.migration.observe import booted, events, to_peer
from tests.migration.support import ended, served_api, start_migration, states, wait_for_migration
from tests.sim.support import spec_for
from tests.support import PASSWORD_16, RunningNode, running_node

# Long enough for two stations to move, short enough to wait out for the third.
DEADLINE = 6


async def expect_arrivals(node: RunningNode, body: dict[str, Any]) -> dict[str, Any]:
    response = await node.api.post("/v1.1/migrations/inbound", json=body, headers=node.auth())
    assert response.status_code == 201, response.text
    return response.json()["result"]  # type: ignore[no-any-return]


async def test_expected_stations_arrive_one_never_does_and_the_old_slots_are_cleaned_up(
    node: RunningNode, second: RunningNode, tmp_path: Path
) -> None:
    specs = [
        spec_for(node, identity, version, tmp_path)
        for identity, version in (("IN-16", "1.6"), ("IN-201", "2.0.1"), ("IN-NEVER", "1.6"))
    ]
    expected = [
        {"identity": s.identity, "ocppVersion": s.ocpp, "securityProfile": 1, "password": s.password} for s in specs
    ]
    inbound = await expect_arrivals(second, {"stations": expected, "deadlineSeconds": DEADLINE, "cleanup": True})
    assert inbound["kind"] == "inbound-migration"
    assert states(inbound) == {"IN-16": "expected", "IN-201": "expected", "IN-NEVER": "expected"}
    for spec in specs:
        assert spec.password is not None
        assert spec.password not in str(inbound)

    async with served_api(second) as b_api, booted(specs, node) as (s16, s201, never):
        waves = {"canary": 0, "size": 10, "concurrency": 5}
        outbound = await start_migration(node, to_peer(second, b_api, ["IN-16", "IN-201"], waves=waves))
        moved = await wait_for_migration(node, outbound["_id"], ended)
        assert states(moved) == {"IN-16": "confirmed", "IN-201": "confirmed"}, moved

        done = await wait_for_migration(second, inbound["_id"], ended, timeout=DEADLINE + 20)
        assert states(done) == {"IN-16": "arrived", "IN-201": "arrived", "IN-NEVER": "failed"}, done
        assert done["counts"] == {"arrived": 2, "failed": 1}
        assert done["status"] == "completed"
        reasons = {s["identity"]: s["reason"] for s in done["stations"]}
        assert reasons == {
            "IN-16": "arrived; the old slot (NetworkConnectionProfile1) was blanked",
            "IN-201": "arrived; the priority was cut to slot 2, the one in use, from the station's next reboot",
            "IN-NEVER": f"did not arrive within {DEADLINE} s",
        }

        # Seed 000 step 7 from the new side: the old CSMS's slot is emptied once the station is here.
        assert s16.value("NetworkConnectionProfile2") == second.ws_url
        assert s16.value("NetworkConnectionProfile1") == ""
        # 2.0.1 takes a new priority at its next reboot (RebootRequired): B resets it to see it hold.
        assert s201.value("OCPPCommCtrlr.NetworkConfigurationPriority") == "2,1"
        assert await second.sy.link.call("IN-201", "Reset", {"type": "Immediate"}) == {"status": "Accepted"}
        await s201.wait_for(lambda: len(s201.boots) == 3)
        assert s201.value("OCPPCommCtrlr.NetworkConfigurationPriority") == "2"
        assert s201.boots[-1] == (second.ws_url, "RemoteReset", "Accepted")
        assert never.value("NetworkConnectionProfile1") == node.ws_url
        assert node.sy.link.is_connected("IN-NEVER")

    arrived = [e for e in await events(second, "chargestation.migration.*") if e["type"].endswith(".arrived")]
    assert sorted(e["data"]["identity"] for e in arrived) == ["IN-16", "IN-201"]
    assert all(e["data"]["migration"] == inbound["_id"] for e in arrived)
    failed = await events(second, "chargestation.migration.failed", "IN-NEVER")
    assert [e["data"]["reason"] for e in failed] == [f"did not arrive within {DEADLINE} s"]
    (completed,) = await events(second, "migration.completed")
    assert completed["data"] == {
        "migration": inbound["_id"],
        "inbound": True,
        "reason": None,
        "counts": {"succeeded": 2, "failed": 1},
    }
    everything = str(await events(second, "*"))
    for spec in specs:
        assert spec.password is not None
        assert spec.password not in everything


class LaggingClock(SystemClock):
    """A wall clock that runs at half the speed of the event loop's timers: what a clock slewed by NTP
    does, in the small, against the monotonic clock asyncio waits with."""

    def __init__(self) -> None:
        super().__init__()
        self._start = datetime.now(UTC)

    def now(self) -> datetime:
        return self._start + (datetime.now(UTC) - self._start) / 2


async def test_a_station_that_never_arrives_fails_at_the_deadline_even_if_the_clock_lags(tmp_path: Path) -> None:
    """The wait for the station ends on the event loop's timer; the wall clock may not have reached the
    deadline yet at that moment. That is still the deadline, not a cancel."""
    async with running_node(tmp_path, clock=LaggingClock(), **FAST) as node:
        expected = [{"identity": "IN-LATE", "ocppVersion": "1.6", "securityProfile": 1, "password": PASSWORD_16}]
        inbound = await expect_arrivals(node, {"stations": expected, "deadlineSeconds": 1})
        done = await wait_for_migration(node, inbound["_id"], ended)
    (station,) = done["stations"]
    assert (station["state"], station["reason"]) == ("failed", "did not arrive within 1 s")


async def test_an_arrival_whose_settings_cannot_be_read_is_kept_and_says_why_nothing_was_cleaned(
    second: RunningNode, tmp_path: Path
) -> None:
    """The cleanup reads the station's network settings first; a station that answers that read with
    an error has still arrived, and the reason says the old slot was left."""
    spec = spec_for(second, "IN-ERR", "1.6", tmp_path, faults=parse_faults("error=GetConfiguration:InternalError"))
    expected = [{"identity": "IN-ERR", "ocppVersion": "1.6", "securityProfile": 1, "password": spec.password}]
    inbound = await expect_arrivals(second, {"stations": expected, "deadlineSeconds": 60, "cleanup": True})
    async with SimulatedStation(spec) as station:
        assert await station.wait_booted() == "Accepted"
        done = await wait_for_migration(second, inbound["_id"], ended)
    (member,) = done["stations"]
    assert member["state"] == "arrived", member
    assert member["reason"].startswith("arrived; the old slot was left: its network settings could not be read")
    assert done["status"] == "completed"


async def test_a_refused_inbound_request_registers_nothing_so_it_can_be_sent_again(second: RunningNode) -> None:
    await second.add_station("IN-TAKEN")
    first = {"identity": "IN-FIRST", "ocppVersion": "1.6", "securityProfile": 1, "password": PASSWORD_16}
    taken = {**first, "identity": "IN-TAKEN"}
    refused = await second.api.post(
        "/v1.1/migrations/inbound", json={"stations": [first, taken], "deadlineSeconds": 60}, headers=second.auth()
    )
    assert refused.status_code == 409, refused.text
    assert "'IN-TAKEN' is already in use" in refused.json()["message"]
    listed = await second.api.get("/v1.1/chargestations", params={"identity": "IN-FIRST"}, headers=second.auth())
    assert listed.json()["result"] == []
    again = await expect_arrivals(second, {"stations": [first], "deadlineSeconds": 60})
    assert states(again) == {"IN-FIRST": "expected"}
