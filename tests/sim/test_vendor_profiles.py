"""The vendor-flavoured profiles behave as their files say, seen through the gateway."""

from tests.sim.support import booted_station
from tests.support import RunningNode


async def test_rounding_firmware_accepts_901_and_reports_900(node: RunningNode) -> None:
    async with booted_station(node, "VEN-R", profile="rounding-16") as station:
        call = node.sy.link.call
        assert await call("VEN-R", "ChangeConfiguration", {"key": "HeartbeatInterval", "value": "901"}) == {
            "status": "Accepted"
        }
        answer = await call("VEN-R", "GetConfiguration", {"key": ["HeartbeatInterval"]})
        assert answer["configurationKey"][0]["value"] == "900"
        assert station.value("HeartbeatInterval") == "900"


async def test_reboot_heavy_firmware_applies_changes_only_after_a_reset(node: RunningNode) -> None:
    async with booted_station(node, "VEN-H", profile="reboot-heavy-16") as station:
        call = node.sy.link.call
        before = station.value("MeterValueSampleInterval")
        change = {"key": "MeterValueSampleInterval", "value": "15"}
        assert await call("VEN-H", "ChangeConfiguration", change) == {"status": "RebootRequired"}
        answer = await call("VEN-H", "GetConfiguration", {"key": ["MeterValueSampleInterval"]})
        assert answer["configurationKey"][0]["value"] == before
        await call("VEN-H", "Reset", {"type": "Soft"})
        await station.wait_for(lambda: len(station.boots) == 2)
        answer = await call("VEN-H", "GetConfiguration", {"key": ["MeterValueSampleInterval"]})
        assert answer["configurationKey"][0]["value"] == "15"


async def test_vendor_b_needs_small_chunks_and_spells_booleans_lowercase(node: RunningNode) -> None:
    async with booted_station(node, "VEN-B", profile="vendor-b-16") as station:
        call = node.sy.link.call
        limit = int(station.value("GetConfigurationMaxKeys") or 0)
        everything = (await call("VEN-B", "GetConfiguration", {}))["configurationKey"]
        names = [entry["key"] for entry in everything]
        assert limit == 10
        assert len(names) > 3 * limit
        chunked = []
        for start in range(0, len(names), limit):
            chunked += (await call("VEN-B", "GetConfiguration", {"key": names[start : start + limit]}))[
                "configurationKey"
            ]
        assert chunked == everything
        booleans = {e["value"] for e in everything if e.get("value") in ("true", "false", "True", "False")}
        assert booleans <= {"true", "false"}
