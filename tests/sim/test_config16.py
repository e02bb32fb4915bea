"""OCPP 1.6 configuration on a simulated station, driven by raw calls through the gateway."""

import pytest

from switchyard.errors import CallError
from tests.sim.support import booted_station
from tests.support import RunningNode


async def test_every_change_configuration_status(node: RunningNode) -> None:
    async with booted_station(node, "SIM-1") as station:
        call = node.sy.link.call
        assert await call("SIM-1", "ChangeConfiguration", {"key": "HeartbeatInterval", "value": "600"}) == {
            "status": "Accepted"
        }
        assert station.value("HeartbeatInterval") == "600"
        rejected = [
            {"key": "HeartbeatInterval", "value": "ten"},  # not an integer
            {"key": "HeartbeatInterval", "value": "999999"},  # above its maximum
            {"key": "WebSocketPingInterval", "value": "-1"},  # negative is Rejected (OCPP-J)
            {"key": "NumberOfConnectors", "value": "2"},  # read-only
            {"key": "LocalAuthorizeOffline", "value": "yes"},  # not a boolean
            {"key": "MeterValuesSampledData", "value": "Voltage,Smell"},  # not a measurand
            {"key": "StopTxnSampledData", "value": "Voltage"},  # its MaxLength is 0 on this firmware
        ]
        for change in rejected:
            assert await call("SIM-1", "ChangeConfiguration", change) == {"status": "Rejected"}, change
        assert station.value("HeartbeatInterval") == "600", "nothing rejected was applied"
        assert await call("SIM-1", "ChangeConfiguration", {"key": "NoSuchKey", "value": "1"}) == {
            "status": "NotSupported"
        }
        priority = {"key": "NetworkConfigurationPriority", "value": "NetworkConnectionProfile1"}
        assert await call("SIM-1", "ChangeConfiguration", priority) == {"status": "RebootRequired"}
        assert station.value("NetworkConfigurationPriority") == "NetworkConnectionProfile1,NetworkConnectionProfile2"


async def test_keys_are_case_insensitive_and_booleans_spelled_as_the_firmware_does(node: RunningNode) -> None:
    async with booted_station(node, "SIM-1"):
        call = node.sy.link.call
        assert (await call("SIM-1", "ChangeConfiguration", {"key": "localauthorizeoffline", "value": "FALSE"}))[
            "status"
        ] == "Accepted"
        answer = await call("SIM-1", "GetConfiguration", {"key": ["LocalAuthorizeOffline"]})
        assert answer["configurationKey"] == [{"key": "LocalAuthorizeOffline", "readonly": False, "value": "False"}]


async def test_get_configuration_chunking_and_unknown_keys(node: RunningNode) -> None:
    async with booted_station(node, "SIM-1") as station:
        call = node.sy.link.call
        everything = await call("SIM-1", "GetConfiguration", {})
        names = [entry["key"] for entry in everything["configurationKey"]]
        limit = int(station.value("GetConfigurationMaxKeys") or 0)
        assert len(names) > limit, "the default firmware needs chunking"
        assert "AuthorizationKey" not in names, "write-only keys are never reported"
        with pytest.raises(CallError) as too_many:
            await call("SIM-1", "GetConfiguration", {"key": names[: limit + 1]})
        assert too_many.value.code == "OccurenceConstraintViolation"
        chunks = [names[start : start + limit] for start in range(0, len(names), limit)]
        collected = []
        for chunk in chunks:
            collected += (await call("SIM-1", "GetConfiguration", {"key": chunk}))["configurationKey"]
        assert collected == everything["configurationKey"]
        mixed = await call("SIM-1", "GetConfiguration", {"key": ["HeartbeatInterval", "Bogus", "AuthorizationKey"]})
        assert [entry["key"] for entry in mixed["configurationKey"]] == ["HeartbeatInterval"]
        assert mixed["unknownKey"] == ["Bogus"]


async def test_security_profile_only_goes_up_and_needs_its_prerequisites(node: RunningNode) -> None:
    async with booted_station(node, "SIM-1") as station:
        call = node.sy.link.call
        for value in ("0", "1"):
            assert (await call("SIM-1", "ChangeConfiguration", {"key": "SecurityProfile", "value": value}))[
                "status"
            ] == "Rejected"
        # profile 2 needs a CSMS root certificate this station does not have
        assert (await call("SIM-1", "ChangeConfiguration", {"key": "SecurityProfile", "value": "2"}))[
            "status"
        ] == "Rejected"
        assert station.value("SecurityProfile") == "1"
