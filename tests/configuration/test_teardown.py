"""A connection being torn down (its pipe closed, its session not yet gone) is not a connected station:
the lane waits for the reconnect instead of trying again and again."""

import asyncio
import json
from typing import Any

from tests.configuration.support import action, boot_and_read, change, next_call, ok_result
from tests.support import PASSWORD_16, RunningNode, station


async def test_a_read_back_during_teardown_waits_for_the_reconnect(node: RunningNode) -> None:
    created = await node.add_station("TD-1", password=PASSWORD_16)
    execution = node.sy.sequencer._execution
    read_backs = 0
    original = execution.read_back

    async def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal read_backs
        read_backs += 1
        return await original(*args, **kwargs)

    execution.read_back = counted  # type: ignore[method-assign]
    async with station(node.ws_url, "TD-1", PASSWORD_16) as ws:
        await boot_and_read(node, ws, created["_id"], {"key": "HeartbeatInterval", "readonly": False, "value": "300"})
        requested = ok_result(await change(node, created["_id"], "HeartbeatInterval", "60"))
        sent = await next_call(ws, "ChangeConfiguration")
        await ws.send(json.dumps([3, sent[1], {"status": "Accepted"}]))
        await next_call(ws, "GetConfiguration")  # the read-back, which will not be answered
        node.sy.gateway.sessions["TD-1"].endpoint.close("tearing down")
        await asyncio.sleep(1.0)
        waiting = await action(node, requested["_id"])
    assert waiting["phase"] == "reading_back"
    assert waiting["waitingFor"] == "the station is not connected"
    assert read_backs <= 2, read_backs  # was hundreds: every turn of the lane tried again at once
