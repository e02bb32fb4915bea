"""CSMS-initiated calls through the StationLink, against stations on real sockets."""

import asyncio
import json

import pytest

from switchyard.errors import CallError, CallTimeout, InvalidRequest, InvalidResponse, NotConnected
from tests.support import PASSWORD_16, RunningNode, boot, station


async def test_call_returns_the_validated_response(node: RunningNode) -> None:
    await node.add_station("CP-1")
    async with station(node.ws_url, "CP-1", PASSWORD_16) as ws:
        await boot(ws)
        call = asyncio.create_task(node.sy.link.call("CP-1", "GetConfiguration", {"key": ["HeartbeatInterval"]}))
        frame = json.loads(await ws.recv())
        assert frame[0] == 2
        assert frame[2:] == ["GetConfiguration", {"key": ["HeartbeatInterval"]}]
        answer = {"configurationKey": [{"key": "HeartbeatInterval", "readonly": False, "value": "300"}]}
        await ws.send(json.dumps([3, frame[1], answer]))
        assert await call == answer


async def test_one_outstanding_call_per_station_others_wait_in_order(node: RunningNode) -> None:
    await node.add_station("CP-1")
    async with station(node.ws_url, "CP-1", PASSWORD_16) as ws:
        await boot(ws)
        calls = [
            asyncio.create_task(node.sy.link.call("CP-1", "ChangeConfiguration", {"key": f"K{i}", "value": str(i)}))
            for i in range(3)
        ]
        for i in range(3):
            frame = json.loads(await ws.recv())
            assert frame[3]["key"] == f"K{i}", "calls go out in the order they were made"
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(ws.recv(), 0.1)  # nothing else while one is outstanding
            await ws.send(json.dumps([3, frame[1], {"status": "Accepted"}]))
        assert [await c for c in calls] == [{"status": "Accepted"}] * 3


async def test_timeout_and_late_response_dropped(node: RunningNode) -> None:
    await node.add_station("CP-1")
    async with station(node.ws_url, "CP-1", PASSWORD_16) as ws:
        await boot(ws)
        with pytest.raises(CallTimeout):
            await node.sy.link.call("CP-1", "Reset", {"type": "Soft"}, timeout=0.1)
        late = json.loads(await ws.recv())
        await ws.send(json.dumps([3, late[1], {"status": "Accepted"}]))
        # the station is still served, and the next call gets its own answer, not the late one
        follow = asyncio.create_task(node.sy.link.call("CP-1", "Reset", {"type": "Hard"}))
        frame = json.loads(await ws.recv())
        assert frame[1] != late[1]
        await ws.send(json.dumps([3, frame[1], {"status": "Rejected"}]))
        assert await follow == {"status": "Rejected"}


async def test_disconnect_during_a_call_fails_it_at_once(node: RunningNode) -> None:
    await node.add_station("CP-1")
    async with station(node.ws_url, "CP-1", PASSWORD_16) as ws:
        await boot(ws)
        call = asyncio.create_task(node.sy.link.call("CP-1", "Reset", {"type": "Hard"}, timeout=30))
        await ws.recv()
    with pytest.raises(NotConnected):
        await asyncio.wait_for(call, 2)


async def test_station_errors_are_typed(node: RunningNode) -> None:
    await node.add_station("CP-1")
    with pytest.raises(NotConnected):
        await node.sy.link.call("CP-1", "Reset", {"type": "Hard"})
    async with station(node.ws_url, "CP-1", PASSWORD_16) as ws:
        await boot(ws)
        call = asyncio.create_task(node.sy.link.call("CP-1", "Reset", {"type": "Hard"}))
        frame = json.loads(await ws.recv())
        await ws.send(json.dumps([4, frame[1], "InternalError", "boom", {}]))
        with pytest.raises(CallError) as caught:
            await call
        assert caught.value.code == "InternalError"
        call = asyncio.create_task(node.sy.link.call("CP-1", "Reset", {"type": "Hard"}))
        frame = json.loads(await ws.recv())
        await ws.send(json.dumps([3, frame[1], {"status": "Sure"}]))
        with pytest.raises(InvalidResponse):
            await call
        with pytest.raises(InvalidRequest):
            await node.sy.link.call("CP-1", "Reset", {"type": "Immediate"})


async def test_station_calls_cross_ours(node: RunningNode) -> None:
    """A station may send its own CALL while ours is outstanding; both are answered."""
    await node.add_station("CP-1")
    async with station(node.ws_url, "CP-1", PASSWORD_16) as ws:
        await boot(ws)
        call = asyncio.create_task(node.sy.link.call("CP-1", "Reset", {"type": "Soft"}))
        ours = json.loads(await ws.recv())
        await ws.send(json.dumps([2, "hb", "Heartbeat", {}]))
        assert json.loads(await ws.recv())[:2] == [3, "hb"]
        await ws.send(json.dumps([3, ours[1], {"status": "Accepted"}]))
        assert await call == {"status": "Accepted"}
