"""What a BootNotification means for configuration: the heartbeat interval it gives, the calls that
wait for it, and what a station may get while Pending or Rejected."""

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from switchyard.core.action_targets import SettingTarget
from switchyard.core.baseline import heartbeat_interval_at_boot, heartbeat_interval_set
from switchyard.domain import RegistrationState, StationRecord
from switchyard.errors import InvalidRequest
from tests.configuration.support import (
    SETTINGS,
    action,
    baseline,
    boot_and_read,
    change,
    next_call,
    ok_result,
    wait_action,
    wait_reason,
)
from tests.support import PASSWORD_16, PASSWORD_201, RunningNode, boot, exchange, running_node, station

HEARTBEAT_300 = {"key": "HeartbeatInterval", "readonly": False, "value": "300"}


def _record(**fields: Any) -> StationRecord:
    values: dict[str, Any] = {
        "station_id": "s",
        "identity": "CP",
        "operator_id": "o",
        "ocpp_version": "1.6",
        "security_profile": 1,
        "password_hash": None,
        "registration_state": RegistrationState.ACCEPTED,
        "last_boot_status": None,
        "serial_number": None,
    }
    return StationRecord(**{**values, **fields})


def test_the_boot_interval_is_the_desired_one_then_the_last_set_then_the_default() -> None:
    assert heartbeat_interval_at_boot(_record(baseline_enabled=True, heartbeat_interval=600), 300) == 900
    assert heartbeat_interval_at_boot(_record(baseline_enabled=False, heartbeat_interval=600), 300) == 600
    assert heartbeat_interval_at_boot(_record(baseline_enabled=False, heartbeat_interval=None), 300) == 300


@pytest.mark.parametrize(
    ("target", "value", "remembered"),
    [
        (SettingTarget("HeartbeatInterval"), "600", 600),
        (SettingTarget("heartbeatinterval"), "600", 600),
        (SettingTarget("OCPPCommCtrlr.HeartbeatInterval"), "600", 600),
        (SettingTarget("OCPPCommCtrlr.HeartbeatInterval", attribute="MaxSet"), "600", None),
        (SettingTarget("MeterValueSampleInterval"), "600", None),
        (SettingTarget("HeartbeatInterval"), "soon", None),
        (SettingTarget("HeartbeatInterval"), None, None),
    ],
)
def test_which_changes_set_the_heartbeat_interval(target: SettingTarget, value: str | None, remembered: int) -> None:
    assert heartbeat_interval_set(target, value) == remembered


async def _answer_read(ws: Any, interval: str) -> None:
    read = await next_call(ws, "GetConfiguration")
    await ws.send(json.dumps([3, read[1], {"configurationKey": [{**HEARTBEAT_300, "value": interval}]}]))


async def test_a_heartbeat_interval_change_survives_the_next_reboot(node: RunningNode) -> None:
    """Regression: the BootNotification answer always said `interval: 300`, which the station adopts:
    a completed HeartbeatInterval change (600) was silently undone at the station's next boot."""
    created = await node.add_station("HB-1", password=PASSWORD_16)
    async with station(node.ws_url, "HB-1", PASSWORD_16) as ws:
        await boot_and_read(node, ws, created["_id"], HEARTBEAT_300)
        requested = ok_result(await change(node, created["_id"], "HeartbeatInterval", "600"))
        sent = await next_call(ws, "ChangeConfiguration")
        await ws.send(json.dumps([3, sent[1], {"status": "Accepted"}]))
        await _answer_read(ws, "600")
        assert (await wait_action(node, requested["_id"]))["status"] == "completed"
    async with station(node.ws_url, "HB-1", PASSWORD_16) as ws:
        answer = await boot(ws)  # the station rebooted (a power cut, say)
        assert answer["interval"] == 600
        await _answer_read(ws, str(answer["interval"]))  # it adopted the interval, as firmware does
    details = ok_result(
        await node.api.get(f"/v1.1/chargestations/{created['_id']}/configurations/details", headers=node.auth())
    )
    assert next(d["value"] for d in details if d["name"] == "HeartbeatInterval") == "600"


async def test_while_the_baseline_pins_it_the_boot_interval_is_the_pinned_value(node: RunningNode) -> None:
    await baseline(node, enabled=True)
    await node.add_station("HB-2", ocpp_version="2.0.1", password=PASSWORD_201)
    async with station(node.ws_url, "HB-2", PASSWORD_201, version="2.0.1") as ws:
        assert (await boot(ws, "2.0.1"))["interval"] == 900


async def test_calls_wait_for_the_boot_of_a_station_that_reconnects(tmp_path: Path) -> None:
    """Regression: after a reconnect, queued calls were sent 238 ms before the station's
    BootNotification, and the station refused them."""
    async with running_node(tmp_path, **{**SETTINGS, "boot_grace": 60.0}) as node:
        await baseline(node, enabled=False)
        created = await node.add_station("EARLY-1", password=PASSWORD_16)
        async with station(node.ws_url, "EARLY-1", PASSWORD_16) as ws:
            await boot_and_read(node, ws, created["_id"], HEARTBEAT_300)
        requested = ok_result(await change(node, created["_id"], "HeartbeatInterval", "120"))
        async with station(node.ws_url, "EARLY-1", PASSWORD_16) as ws:
            await wait_reason(node, requested["_id"], "BootNotification")
            # Connected but not booted: the change waits; the station's own calls are answered.
            assert (await exchange(ws, [2, "hb", "Heartbeat", {}]))[:2] == [3, "hb"]
            assert (await action(node, requested["_id"]))["phase"] == "queued"
            await boot(ws)
            async with asyncio.timeout(10):
                first = json.loads(await ws.recv())
            assert first[:3] == [2, first[1], "ChangeConfiguration"], "queued before the boot's read, sent first"
            assert first[3] == {"key": "HeartbeatInterval", "value": "120"}


async def test_a_station_that_reconnects_without_booting_gets_calls_after_the_grace(tmp_path: Path) -> None:
    async with running_node(tmp_path, **{**SETTINGS, "boot_grace": 0.3}) as node:
        await baseline(node, enabled=False)
        created = await node.add_station("GRACE-1", password=PASSWORD_16)
        async with station(node.ws_url, "GRACE-1", PASSWORD_16) as ws:
            await boot_and_read(node, ws, created["_id"], HEARTBEAT_300)
        requested = ok_result(await change(node, created["_id"], "HeartbeatInterval", "120"))
        async with station(node.ws_url, "GRACE-1", PASSWORD_16) as ws:
            sent = await next_call(ws, "ChangeConfiguration")  # no BootNotification at all
            assert sent[3]["value"] == "120"
        assert (await action(node, requested["_id"]))["status"] in ("requested", "failed")


async def test_a_pending_station_may_be_configured_but_gets_no_transaction_calls(node: RunningNode) -> None:
    created = await node.add_station("PEND-1", password=PASSWORD_16)
    response = await node.api.patch(
        f"/v1.1/chargestations/{created['_id']}", json={"registrationState": "pending"}, headers=node.auth()
    )
    assert response.status_code == 200, response.text
    async with station(node.ws_url, "PEND-1", PASSWORD_16) as ws:
        assert (await boot(ws))["status"] == "Pending"
        with pytest.raises(InvalidRequest, match="while PEND-1 is Pending"):
            await node.sy.link.call("PEND-1", "RemoteStartTransaction", {"idTag": "t"})
        reading = asyncio.create_task(node.sy.link.call("PEND-1", "GetConfiguration", {}))
        call = json.loads(await ws.recv())
        assert call[2] == "GetConfiguration"
        await ws.send(json.dumps([3, call[1], {"configurationKey": []}]))
        assert await reading == {"configurationKey": []}
        assert node.sy.link.ready_in("PEND-1") == 0.0


async def test_a_rejected_station_gets_no_calls(node: RunningNode) -> None:
    created = await node.add_station("REJ-1", password=PASSWORD_16)
    async with station(node.ws_url, "REJ-1", PASSWORD_16) as ws:
        await boot(ws)
        node.sy.gateway.sessions["REJ-1"].endpoint.boot_answered("Rejected")
        assert node.sy.link.ready_in("REJ-1") is None
        with pytest.raises(InvalidRequest, match="rejected"):
            await node.sy.link.call("REJ-1", "GetConfiguration", {})
    assert created["_id"]


async def test_changes_to_a_station_whose_reads_all_failed_say_why(node: RunningNode) -> None:
    """Regression: a 2.0.1 station whose every read failed got 409 "has not been read yet"."""
    created = await node.add_station("NOREAD-1", ocpp_version="2.0.1", password=PASSWORD_201)
    async with station(node.ws_url, "NOREAD-1", PASSWORD_201, version="2.0.1") as ws:
        await boot(ws, "2.0.1")
        report = await next_call(ws, "GetBaseReport")
        await ws.send(json.dumps([4, report[1], "InternalError", "device model busy", {}]))
        async with asyncio.timeout(10):
            while True:
                reads = ok_result(
                    await node.api.get(
                        f"/v1.1/chargestations/{created['_id']}/actions",
                        params={"status": "failed"},
                        headers=node.auth(),
                    )
                )
                if reads:
                    break
                await asyncio.sleep(0.02)
        refused = await change(node, created["_id"], "OCPPCommCtrlr.OfflineThreshold", "123")
    assert refused.status_code == 409
    message = refused.json()["message"]
    assert "could not be read" in message
    assert "CALLERROR InternalError: device model busy" in message
    assert "has not been read yet" not in message
