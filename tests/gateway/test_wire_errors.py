"""Every class of bad input gets its exact CALLERROR over a real socket, per OCPP version."""

import json
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection

from tests.support import RunningNode, boot, exchange, station

LONG_ID = "i" * 37


async def _booted(node: RunningNode, version: str) -> Any:
    identity = f"CP-{version}"
    await node.add_station(identity, ocpp_version=version)
    password = "0123456789abcdef0123456789abcdef" if version == "1.6" else "correct-horse-battery-staple"
    return station(node.ws_url, identity, password, version=version)


CASES_16: list[tuple[str, Any, list[Any]]] = [
    ("malformed JSON", '[2, "a", "Heartbeat", {', [4, "-1", "FormationViolation"]),
    ("not a list", '{"hello": 1}', [4, "-1", "ProtocolError"]),
    ("wrong element count", '[2, "a", "Heartbeat"]', [4, "a", "ProtocolError"]),
    ("id longer than 36", [2, LONG_ID, "Heartbeat", {}], [4, "-1", "ProtocolError"]),
    ("unknown action", [2, "a", "Teleport", {}], [4, "a", "NotImplemented"]),
    ("known but unhandled action", [2, "a", "GetConfiguration", {}], [4, "a", "NotSupported"]),
    ("payload is not an object", [2, "a", "Heartbeat", []], [4, "a", "FormationViolation"]),
    ("unknown field", [2, "a", "Heartbeat", {"x": 1}], [4, "a", "FormationViolation"]),
    (
        "wrong type",
        [2, "a", "StatusNotification", {"connectorId": "1", "errorCode": "NoError", "status": "Available"}],
        [4, "a", "TypeConstraintViolation"],
    ),
    (
        "bad enum value",
        [2, "a", "StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Happy"}],
        [4, "a", "PropertyConstraintViolation"],
    ),
    (
        "missing field",
        [2, "a", "StatusNotification", {"connectorId": 1, "status": "Available"}],
        [4, "a", "OccurenceConstraintViolation"],
    ),
    ("string too long", [2, "a", "Authorize", {"idTag": "t" * 21}], [4, "a", "TypeConstraintViolation"]),
]

CASES_201: list[tuple[str, Any, list[Any]]] = [
    ("malformed JSON", '[2, "a", "Heartbeat", {', [4, "-1", "RpcFrameworkError"]),
    ("not a list", '"hello"', [4, "-1", "RpcFrameworkError"]),
    ("wrong element count", '[2, "a", "Heartbeat", {}, {}]', [4, "a", "RpcFrameworkError"]),
    ("id longer than 36", [2, LONG_ID, "Heartbeat", {}], [4, "-1", "RpcFrameworkError"]),
    ("id not a string", [2, 42, "Heartbeat", {}], [4, "-1", "RpcFrameworkError"]),
    ("unknown message type", [9, "a", "Heartbeat", {}], [4, "a", "MessageTypeNotSupported"]),
    ("unknown action", [2, "a", "Teleport", {}], [4, "a", "NotImplemented"]),
    ("known but unhandled action", [2, "a", "GetVariables", {"getVariableData": []}], [4, "a", "NotSupported"]),
    ("payload is not an object", [2, "a", "Heartbeat", "x"], [4, "a", "FormatViolation"]),
    ("unknown field", [2, "a", "Heartbeat", {"x": 1}], [4, "a", "FormatViolation"]),
    (
        "wrong type",
        [
            2,
            "a",
            "StatusNotification",
            {"timestamp": "2026-01-01T00:00:00Z", "connectorStatus": "Available", "evseId": "1", "connectorId": 1},
        ],
        [4, "a", "TypeConstraintViolation"],
    ),
    (
        "bad enum value",
        [
            2,
            "a",
            "StatusNotification",
            {"timestamp": "2026-01-01T00:00:00Z", "connectorStatus": "Happy", "evseId": 1, "connectorId": 1},
        ],
        [4, "a", "PropertyConstraintViolation"],
    ),
    (
        "missing field",
        [2, "a", "StatusNotification", {"timestamp": "2026-01-01T00:00:00Z", "evseId": 1, "connectorId": 1}],
        [4, "a", "OccurrenceConstraintViolation"],
    ),
]


async def _assert_alive(ws: ClientConnection) -> None:
    reply = await exchange(ws, [2, "alive", "Heartbeat", {}])
    assert reply[:2] == [3, "alive"]


@pytest.mark.parametrize(("case", "frame", "expected"), CASES_16, ids=[c[0] for c in CASES_16])
async def test_16_bad_input(node: RunningNode, case: str, frame: Any, expected: list[Any]) -> None:
    async with await _booted(node, "1.6") as ws:
        await boot(ws, "1.6")
        reply = await exchange(ws, frame)
        assert reply[:3] == expected
        assert isinstance(reply[3], str)
        assert reply[3]
        assert reply[4] == {}
        await _assert_alive(ws)


@pytest.mark.parametrize(("case", "frame", "expected"), CASES_201, ids=[c[0] for c in CASES_201])
async def test_201_bad_input(node: RunningNode, case: str, frame: Any, expected: list[Any]) -> None:
    async with await _booted(node, "2.0.1") as ws:
        await boot(ws, "2.0.1")
        reply = await exchange(ws, frame)
        assert reply[:3] == expected
        assert isinstance(reply[3], str)
        assert 0 < len(reply[3]) <= 255
        assert reply[4] == {}
        await _assert_alive(ws)


async def test_16_unknown_message_type_is_ignored(node: RunningNode) -> None:
    async with await _booted(node, "1.6") as ws:
        await boot(ws, "1.6")
        await ws.send(json.dumps([9, "x", "Heartbeat", {}]))
        # The next answer is the heartbeat's: nothing was sent for the unknown type.
        await _assert_alive(ws)


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_call_before_accepted_boot_is_a_security_error(node: RunningNode, version: str) -> None:
    async with await _booted(node, version) as ws:
        reply = await exchange(ws, [2, "early", "Heartbeat", {}])
        assert reply[:3] == [4, "early", "SecurityError"]
        assert (await boot(ws, version))["status"] == "Accepted"
        await _assert_alive(ws)


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_binary_frame_is_refused_and_the_session_goes_on(node: RunningNode, version: str) -> None:
    async with await _booted(node, version) as ws:
        await boot(ws, version)
        await ws.send(b'[2, "b", "Heartbeat", {}]')
        reply = json.loads(await ws.recv())
        assert reply[:2] == [4, "-1"]
        await _assert_alive(ws)


async def test_fragmented_message_is_reassembled(node: RunningNode) -> None:
    async with await _booted(node, "1.6") as ws:
        await boot(ws, "1.6")
        text = json.dumps([2, "frag", "Heartbeat", {}])
        await ws.send(iter([text[:5], text[5:12], text[12:]]))
        reply = json.loads(await ws.recv())
        assert reply[:2] == [3, "frag"]


async def test_a_burst_of_garbage_never_takes_the_node_down(node: RunningNode) -> None:
    async with await _booted(node, "2.0.1") as ws:
        await boot(ws, "2.0.1")
        garbage = ["", "[", "[]", "[2]", "null", "[2,null,null,null]", '[3,"x",{}]', '[4,"x","E","d",{}]', "1e999999"]
        for item in garbage:
            await ws.send(item)
        await ws.send(json.dumps([2, "alive", "Heartbeat", {}]))
        answers = []
        while not answers or answers[-1][1] != "alive":
            answers.append(json.loads(await ws.recv()))
        errors, last = answers[:-1], answers[-1]
        assert last[0] == 3
        # Answers (to CALLRESULT/CALLERROR frames) are dropped; everything else got a CALLERROR.
        assert len(errors) == len(garbage) - 2
        assert all(e[0] == 4 for e in errors)
    assert node.sy.gateway.listening
