"""Stations that say no: to the target URL, to the new priority, to the reset, or that say yes and keep
the old value. Each ends `failed` with the station's own words, and what had been changed is put back,
read from the simulated station itself."""

from pathlib import Path

from switchyard.sim.faults import parse_faults
from tests.migration.scenarios import (
    PRIORITY_16,
    PRIORITY_201,
    changes,
    dead_url,
    from_next_boot,
    key_changed,
    member,
    request,
    station_events,
    station_spec,
    stations_at,
    variable_changed,
)
from tests.migration.support import ended, start_migration, wait_for_migration
from tests.support import RunningNode

OLD_ORDER_16 = "NetworkConnectionProfile1,NetworkConnectionProfile2"
# A slot written and then put back: the station's events, in order.
PUT_BACK = [
    "chargestation.migration.started",
    "chargestation.migration.slot_written",
    "chargestation.migration.rolled_back",
    "chargestation.migration.failed",
]


async def test_a_refused_target_url_fails_with_the_station_answer_and_changes_nothing(
    node: RunningNode, tmp_path: Path
) -> None:
    # Within what preflight allows (500 and 512 characters) but longer than vendor-b-16 stores (256).
    long_url = dead_url().replace("/ocpp", "/" + "u" * 300)
    both_slots_used = variable_changed("reboot-heavy-201", "OCPPCommCtrlr", "NetworkConfigurationPriority", value="1,2")
    internal_error = parse_faults("error=ChangeConfiguration:InternalError")
    specs = [
        station_spec(node, "URL-SHORT", "1.6", tmp_path, profile="vendor-b-16"),
        station_spec(node, "URL-ERROR", "1.6", tmp_path, faults=internal_error),
        # Two slots, both in the priority: the slot after them does not exist there (B09.FR.05).
        station_spec(node, "URL-201", "2.0.1", tmp_path, firmware=both_slots_used),
    ]
    async with stations_at(node, *specs) as (short, error, v201):
        job = await start_migration(node, request(long_url, ["URL-SHORT", "URL-ERROR", "URL-201"]))
        done = await wait_for_migration(node, job["_id"], ended)

        refused = member(done, "URL-SHORT")
        assert refused["state"] == "failed"
        assert refused["reason"] == "the station refused the target URL for slot 2: {'status': 'Rejected'}"
        assert short.value("NetworkConnectionProfile2") == ""
        assert from_next_boot(short, PRIORITY_16) == OLD_ORDER_16
        assert changes(short) == ["ChangeConfiguration"]

        # A CALLERROR is the station's answer too: it did not store the URL, so there is nothing to put back.
        errored = member(done, "URL-ERROR")
        assert errored["state"] == "failed"
        assert errored["reason"].startswith("the station refused the target URL for slot 2: ")
        assert "'error': 'InternalError'" in errored["reason"]
        assert "restoring" not in errored["reason"]
        assert changes(error) == ["ChangeConfiguration"]
        assert error.value("NetworkConnectionProfile2") == ""

        no_slot = member(done, "URL-201")
        assert no_slot["state"] == "failed"
        assert no_slot["reason"] == (
            "the station refused the target URL for slot 3: "
            "{'status': 'Rejected', 'statusInfo': {'reasonCode': 'InvalidConfSlot'}}"
        )
        assert changes(v201) == ["SetNetworkProfile"]
        assert from_next_boot(v201, PRIORITY_201) == "1,2"
        for identity in ("URL-SHORT", "URL-ERROR", "URL-201"):
            assert await station_events(node, job["_id"], identity) == [
                "chargestation.migration.started",
                "chargestation.migration.failed",
            ]


async def test_a_refused_priority_fails_and_the_slot_is_put_back(node: RunningNode, tmp_path: Path) -> None:
    fixed_16 = key_changed("edrv-reference-16", "NetworkConfigurationPriority", readonly=True)
    fixed_201 = variable_changed(
        "reference-201", "OCPPCommCtrlr", "NetworkConfigurationPriority", mutability="ReadOnly"
    )
    specs = [
        station_spec(node, "PRIO-16", "1.6", tmp_path, firmware=fixed_16),
        station_spec(node, "PRIO-201", "2.0.1", tmp_path, firmware=fixed_201),
    ]
    async with stations_at(node, *specs) as (s16, s201):
        job = await start_migration(node, request(dead_url(), ["PRIO-16", "PRIO-201"]))
        done = await wait_for_migration(node, job["_id"], ended)

        refused_16 = member(done, "PRIO-16")
        assert refused_16["state"] == "failed"
        assert refused_16["reason"] == "the station refused the new priority: {'status': 'Rejected'}"
        # The slot was written, read back, then blanked again when the priority was refused.
        slot_writes = [r.payload["value"] for r in s16.received if r.payload.get("key") == "NetworkConnectionProfile2"]
        assert slot_writes == [done["targetUrl"], ""]
        assert s16.value("NetworkConnectionProfile2") == ""
        assert from_next_boot(s16, PRIORITY_16) == OLD_ORDER_16
        assert "Reset" not in changes(s16)
        assert await station_events(node, job["_id"], "PRIO-16") == PUT_BACK

        refused_201 = member(done, "PRIO-201")
        assert refused_201["state"] == "failed"
        assert "refused the new priority" in refused_201["reason"]
        assert "ReadOnly" in refused_201["reason"]
        # A 2.0.1 slot cannot be blanked; outside the priority the station never tries it.
        assert from_next_boot(s201, PRIORITY_201) == "1"
        assert changes(s201) == ["SetNetworkProfile", "SetVariables"]


async def test_firmware_that_keeps_the_old_url_is_caught_by_the_read_back(node: RunningNode, tmp_path: Path) -> None:
    spec = station_spec(node, "STICKY", "1.6", tmp_path, faults=parse_faults("sticky"))
    async with stations_at(node, spec) as (station,):
        job = await start_migration(node, request(dead_url(), ["STICKY"]))
        done = await wait_for_migration(node, job["_id"], ended)
        sticky = member(done, "STICKY")
        assert sticky["state"] == "failed"
        assert sticky["reason"] == "slot 2 reads back '', not the target URL: the station did not store it"
        # Accepted, read back unchanged, put back: the priority was never touched and nothing was reset.
        assert [r.payload["key"] for r in station.received if r.action == "ChangeConfiguration"] == [
            "NetworkConnectionProfile2",
            "NetworkConnectionProfile2",
        ]
        assert "Reset" not in changes(station)
        assert from_next_boot(station, PRIORITY_16) == OLD_ORDER_16
        assert await station_events(node, job["_id"], "STICKY") == PUT_BACK


async def test_a_refused_reset_restores_the_priority_and_fails(node: RunningNode, tmp_path: Path) -> None:
    refuses = parse_faults("error=Reset:NotSupported")
    specs = [
        station_spec(node, "RESET-16", "1.6", tmp_path, faults=refuses),
        station_spec(node, "RESET-201", "2.0.1", tmp_path, faults=refuses),
    ]
    async with stations_at(node, *specs) as (s16, s201):
        job = await start_migration(node, request(dead_url(), ["RESET-16", "RESET-201"]))
        done = await wait_for_migration(node, job["_id"], ended)
        for identity, station in (("RESET-16", s16), ("RESET-201", s201)):
            refused = member(done, identity)
            assert refused["state"] == "failed", refused
            assert refused["reason"].startswith("the station refused the reset: "), refused
            assert "NotSupported" in refused["reason"]
            assert station.received_actions().count("Reset") == 1, "a refused reset is not asked again"
            assert len(station.boots) == 1
            events = await station_events(node, job["_id"], identity)
            assert events[-2:] == ["chargestation.migration.rolled_back", "chargestation.migration.failed"]
        assert from_next_boot(s16, PRIORITY_16) == OLD_ORDER_16
        assert s16.value("NetworkConnectionProfile2") == ""
        assert from_next_boot(s201, PRIORITY_201) == "1"
