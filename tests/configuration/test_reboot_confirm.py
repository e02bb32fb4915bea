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
    next_call,
    ok_result,
    wait_action,
)
from tests.support import PASSWORD_16, RunningNode, boot, running_node, station

KEY = "MeterValueSampleInterval"


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
