"""Changes whose confirmation comes late: the read after a reboot, which a station slow to start gets
more than one chance to answer, and a read-back the station was not there for until the change expired."""

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from switchyard.core import sequencer
from tests.configuration.support import (
    SETTINGS,
    baseline,
    boot_and_read,
    change,
    event_types,
    next_call,
    ok_result,
    read_station,
    wait_action,
)
from tests.support import PASSWORD_16, RunningNode, boot, running_node, station

KEY = "MeterValueSampleInterval"
UPDATE = "chargestation.update_configuration"


def _key(value: str) -> dict[str, Any]:
    return {"key": KEY, "readonly": False, "value": value}


def _entries(value: str) -> dict[str, object]:
    return {"configurationKey": [_key(value)]}


async def test_a_failed_confirmation_read_is_tried_again(node: RunningNode, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sequencer, "_CONFIRM_RETRY", timedelta(seconds=0.1))
    created = await node.add_station("RB-1", password=PASSWORD_16)
    async with station(node.ws_url, "RB-1", PASSWORD_16) as ws:
        await boot_and_read(node, ws, created["_id"], _key("60"))
        requested = ok_result(await change(node, created["_id"], KEY, "15"))
        sent = await next_call(ws, "ChangeConfiguration")
        await ws.send(json.dumps([3, sent[1], {"status": "RebootRequired"}]))
        assert (await wait_action(node, requested["_id"], phase="awaiting_reboot"))["status"] == "completed"
    # The station reboots (its own doing) and comes back, slow at first. The node asks for the changed
    # key (the confirmation) and, in either order, for everything (the boot's read).
    confirmations = 0
    async with station(node.ws_url, "RB-1", PASSWORD_16) as ws:
        await boot(ws)
        while confirmations < 2:
            call = await next_call(ws, "GetConfiguration")
            if call[3] != {"key": [KEY]}:
                await ws.send(json.dumps([3, call[1], _entries("15")]))  # the whole read
                continue
            confirmations += 1
            if confirmations == 1:
                await ws.send(json.dumps([4, call[1], "InternalError", "still starting up", {}]))
            else:
                await ws.send(json.dumps([3, call[1], _entries("15")]))
        confirmed = await wait_action(node, requested["_id"], phase="done")
    assert confirmed["status"] == "completed"
    assert confirmed["audit"]["valueAfter"] == "15"
    assert confirmed["response_data"] == {"status": "RebootRequired"}


async def test_an_accepted_change_that_expires_unread_keeps_the_station_s_answer(tmp_path: Path) -> None:
    async with running_node(tmp_path, **{**SETTINGS, "action_expiry": 2.0}) as node:
        await baseline(node, enabled=False)
        created = await node.add_station("RB-X", password=PASSWORD_16)
        async with station(node.ws_url, "RB-X", PASSWORD_16) as ws:
            await boot_and_read(node, ws, created["_id"], _key("60"))
            requested = ok_result(await change(node, created["_id"], KEY, "15"))
            sent = await next_call(ws, "ChangeConfiguration")
            await ws.send(json.dumps([3, sent[1], {"status": "Accepted"}]))
            await next_call(ws, "GetConfiguration")  # the read-back; the station goes away instead
        done = await wait_action(node, requested["_id"], timeout=10)
    assert done["status"] == "failed"
    assert done["response_data"] == {
        "status": "Accepted",
        "reason": "expired: the station accepted the change but was not connected to read it back",
    }


# (version, firmware, key, reset type): firmware that answers RebootRequired to 1000 and, once
# rebooted, reports it rounded down to quarter hours.
ROUNDED_AT_REBOOT = [
    ("1.6", "rounding-16", "ClockAlignedDataInterval", "Soft"),
    ("2.0.1", "rounding-201", "AlignedDataCtrlr.Interval", "Hard"),
]


@pytest.mark.parametrize(("version", "firmware", "name", "reset_type"), ROUNDED_AT_REBOOT, ids=["1.6", "2.0.1"])
async def test_a_value_that_differs_after_the_reboot_fails_the_change(
    node: RunningNode, version: str, firmware: str, name: str, reset_type: str
) -> None:
    """Regression: with `_confirmation` made always-complete, every configuration test still passed;
    a change the station reports otherwise after the reboot it asked for was marked completed."""
    async with read_station(node, f"RB-MIS-{version}", version, profile=firmware) as (station, station_id):
        requested = ok_result(await change(node, station_id, name, "1000"))
        waiting = await wait_action(node, requested["_id"], phase="awaiting_reboot")
        assert (waiting["status"], waiting["response_data"]) == ("completed", {"status": "RebootRequired"})
        assert station.value(name) == "0"  # not applied before the reboot
        path = f"/v1.1/chargestations/{station_id}/reset"
        reset = ok_result(await node.api.post(path, json={"type": reset_type}, headers=node.auth()))
        assert (await wait_action(node, reset["_id"]))["status"] == "completed"
        done = await wait_action(node, requested["_id"], phase="done")
        assert station.value(name) == "900"
    assert done["status"] == "failed"
    assert done["response_data"] == {
        "status": "RebootRequired",
        "reason": f"station accepted {name}=1000 (reboot required) but reports 900 after rebooting",
    }
    assert done["audit"]["valueAfter"] == "900"
    assert await event_types(node, requested["_id"]) == [
        f"{UPDATE}.requested",
        f"{UPDATE}.accepted",
        f"{UPDATE}.failed",
    ]
