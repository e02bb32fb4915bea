"""OCTT 1.6 Core cases with the CSMS under test: booting, resets, reading and changing configuration.

Each test plays the OCTT's charge point over a real socket and starts each step as an operator
would, through the REST API; it asserts the frames Switchyard sends and what it answers.
"""

from datetime import datetime

import pytest

from tests.configuration.support import change, event_types, ok_result
from tests.conformance.support import (
    KEYS_16,
    configuration_read,
    connected,
    details,
    finished,
    read_configuration,
    reset,
)
from tests.support import PASSWORD_16, RunningNode

UPDATE = "chargestation.update_configuration"


async def _station(node: RunningNode, identity: str) -> dict[str, object]:
    await node.flush()
    listed = await node.api.get("/v1.1/chargestations", params={"identity": identity}, headers=node.auth())
    (found,) = ok_result(listed)
    return found  # type: ignore[no-any-return]


async def test_TC_001_cold_boot(node: RunningNode) -> None:
    """TC_001_CSMS, cold boot of a charge point.

    The charge point connects and sends a BootNotification; the CSMS accepts it, with its current time
    and the heartbeat interval the charge point is to use. The charge point then reports connector 0
    and each connector with a StatusNotification, and each is answered with an empty result.
    Switchyard also records the boot (vendor, model, status) where the operator sees it."""
    created = await node.add_station("TC-001")
    async with connected(node.ws_url, "TC-001", PASSWORD_16) as st:
        answer = await st.boot()
        assert answer["status"] == "Accepted"
        assert answer["interval"] == node.sy.settings.heartbeat_interval
        assert datetime.fromisoformat(answer["currentTime"]).tzinfo is not None
        await st.report_connectors()
        assert "currentTime" in await st.confirmed("Heartbeat", {})
    recorded = await _station(node, "TC-001")
    assert recorded["_id"] == created["_id"]
    assert (recorded["vendor"], recorded["model"]) == ("OCTT", "Virtual-16")
    assert recorded["live"]["lastBootStatus"] == "Accepted"  # type: ignore[index]


async def _reset_and_reboot(node: RunningNode, identity: str, kind: str) -> None:
    created = await node.add_station(identity)
    async with connected(node.ws_url, identity, PASSWORD_16) as st:
        assert (await st.boot())["status"] == "Accepted"
        await st.report_connectors()
        await st.answer_configuration_read()
        requested = ok_result(await reset(node, created["_id"], kind))
        sent = await st.expect_call("Reset")
        assert sent[3] == {"type": kind}
        await st.answer(sent, {"status": "Accepted"})
        done = await finished(node, requested["_id"])
    assert (done["status"], done["response_data"]) == ("completed", {"status": "Accepted"})
    async with connected(node.ws_url, identity, PASSWORD_16) as st:  # rebooted
        assert (await st.boot())["status"] == "Accepted"
        await st.report_connectors()
        # Every boot is followed by a fresh read, so what the operator sees matches the rebooted station.
        assert (await st.answer_configuration_read())[3] == {}


async def test_TC_013_hard_reset(node: RunningNode) -> None:
    """TC_013_CSMS, hard reset.

    The operator asks for a hard reset. The CSMS sends Reset with type Hard; the charge point accepts,
    reboots (a new connection), sends a BootNotification, which is accepted, and reports connector 0
    and each connector, each answered with an empty result. The reset action ends completed with the
    charge point's answer."""
    await _reset_and_reboot(node, "TC-013", "Hard")


async def test_TC_014_soft_reset(node: RunningNode) -> None:
    """TC_014_CSMS, soft reset: as TC_013, with type Soft."""
    await _reset_and_reboot(node, "TC-014", "Soft")


async def test_TC_019_1_retrieve_all_configuration_keys(node: RunningNode) -> None:
    """TC_019_1_CSMS, retrieve all configuration keys.

    The CSMS asks for the whole configuration with a GetConfiguration that names no key: the key list
    absent or empty, both mean "every key". The charge point answers with every key it has, and the
    CSMS shows them (value and read-only flag). Switchyard does this after each boot and whenever the
    operator asks (GET .../configurations)."""
    created = await node.add_station("TC-019-1")
    async with connected(node.ws_url, "TC-019-1", PASSWORD_16) as st:
        assert (await st.boot())["status"] == "Accepted"
        at_boot = await st.answer_configuration_read()
        assert at_boot[3].get("key", []) == []
        requested = await read_configuration(node, created["_id"])
        asked = await st.expect_call("GetConfiguration")
        assert asked[3].get("key", []) == []
        await st.answer(asked, {"configurationKey": KEYS_16})
        done = await finished(node, requested["_id"])
    assert (done["status"], done["response_data"]) == ("completed", {"status": "Accepted", "keys": len(KEYS_16)})
    shown = await details(node, created["_id"])
    assert [
        (name, shown[name]["value"], shown[name]["writable"]) for name in ("HeartbeatInterval", "NumberOfConnectors")
    ] == [
        ("HeartbeatInterval", "300", True),
        ("NumberOfConnectors", "1", False),
    ]
    assert set(shown) == {entry["key"] for entry in KEYS_16}


@pytest.mark.skip(
    reason="needs a read of named keys on request: the API reads the whole configuration only "
    "(a one-key GetConfiguration is sent only as the read-back of a change, see TC_021)"
)
async def test_TC_019_2_retrieve_a_specific_configuration_key(node: RunningNode) -> None:
    """TC_019_2_CSMS, retrieve one configuration key.

    The operator asks for one key (SupportedFeatureProfiles); the CSMS sends a GetConfiguration
    naming exactly that key, and shows the value the charge point answers."""


async def test_TC_021_change_configuration_meter_value_sample_interval(node: RunningNode) -> None:
    """TC_021_CSMS, change a configuration key.

    The operator sets MeterValueSampleInterval to 60. The CSMS sends ChangeConfiguration with that key
    and the value "60"; the charge point accepts. Switchyard then reads the key back with a
    GetConfiguration naming only that key, and the change ends completed once the value read back is
    60."""
    created = await node.add_station("TC-021")
    async with connected(node.ws_url, "TC-021", PASSWORD_16) as st:
        assert (await st.boot())["status"] == "Accepted"
        await configuration_read(node, st, created["_id"])
        requested = ok_result(await change(node, created["_id"], "MeterValueSampleInterval", 60))
        sent = await st.expect_call("ChangeConfiguration")
        assert sent[3] == {"key": "MeterValueSampleInterval", "value": "60"}
        await st.answer(sent, {"status": "Accepted"})
        read_back = await st.expect_call("GetConfiguration")
        assert read_back[3] == {"key": ["MeterValueSampleInterval"]}
        await st.answer(
            read_back, {"configurationKey": [{"key": "MeterValueSampleInterval", "readonly": False, "value": "60"}]}
        )
        done = await finished(node, requested["_id"])
    assert (done["status"], done["response_data"]) == ("completed", {"status": "Accepted"})
    assert await event_types(node, requested["_id"]) == [f"{UPDATE}.requested", f"{UPDATE}.accepted"]
    assert (await details(node, created["_id"]))["MeterValueSampleInterval"]["value"] == "60"


async def test_TC_040_1_configuration_key_not_supported(node: RunningNode) -> None:
    """TC_040_1_CSMS, the charge point does not support the key.

    The CSMS sends a ChangeConfiguration (the key and value are the CSMS's choice); the charge point
    answers NotSupported. The CSMS must take that as the end of the change: no read-back, no second
    attempt, the change shown as rejected with the charge point's word, the connection kept.

    Switchyard sends only keys the charge point listed in its last report (others are refused with
    400 before anything is sent), so the case uses a vendor key from the report."""
    created = await node.add_station("TC-040-1")
    async with connected(node.ws_url, "TC-040-1", PASSWORD_16) as st:
        assert (await st.boot())["status"] == "Accepted"
        await configuration_read(node, st, created["_id"])
        requested = ok_result(await change(node, created["_id"], "VendorDisplayMode", "night"))
        sent = await st.expect_call("ChangeConfiguration")
        assert sent[3] == {"key": "VendorDisplayMode", "value": "night"}
        await st.answer(sent, {"status": "NotSupported"})
        done = await finished(node, requested["_id"])
        await st.sent_nothing_else()
    assert (done["status"], done["response_data"]) == ("rejected", {"status": "NotSupported"})
    assert await event_types(node, requested["_id"]) == [f"{UPDATE}.requested", f"{UPDATE}.rejected"]


async def test_TC_040_2_configuration_key_invalid_value_rejected(node: RunningNode) -> None:
    """TC_040_2_CSMS, the charge point rejects the value.

    The CSMS sends a ChangeConfiguration for MeterValueSampleInterval; the charge point answers
    Rejected. The CSMS must take that as the end of the change (no read-back, nothing sent again) and
    show it rejected, keeping the connection.

    Switchyard checks values against the key's type before sending ("-1" or "soon" for an interval
    are refused with 400 and never reach the charge point), so the value sent here is well-formed and
    the refusal is the charge point's."""
    created = await node.add_station("TC-040-2")
    async with connected(node.ws_url, "TC-040-2", PASSWORD_16) as st:
        assert (await st.boot())["status"] == "Accepted"
        await configuration_read(node, st, created["_id"])
        for invalid in ("-1", "soon"):
            refused = await change(node, created["_id"], "MeterValueSampleInterval", invalid)
            assert refused.status_code == 400, refused.text
        requested = ok_result(await change(node, created["_id"], "MeterValueSampleInterval", "86400"))
        sent = await st.expect_call("ChangeConfiguration")
        assert sent[3] == {"key": "MeterValueSampleInterval", "value": "86400"}
        await st.answer(sent, {"status": "Rejected"})
        done = await finished(node, requested["_id"])
        await st.sent_nothing_else()
    assert (done["status"], done["response_data"]) == ("rejected", {"status": "Rejected"})
    assert (await details(node, created["_id"]))["MeterValueSampleInterval"]["value"] == "0"
