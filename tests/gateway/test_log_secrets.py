"""Secrets a station sends are redacted in the stored message log, as the ones the node sends are.

A careless firmware puts its password where a CSMS can read it: a 2.0.1 NotifyReport or GetVariables
result with SecurityCtrlr.BasicAuthPassword's value, a 1.6 GetConfiguration answer with the
AuthorizationKey, even one that arrives after the call timed out (the log then has no action for it).
Each test sends such a frame over a real socket, then reads table ocpp_messages.

Regression: with redaction turned off for incoming frames (only "out" redacted), 396 tests passed;
only outgoing secrets were checked end to end.
"""

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import select

from switchyard.errors import CallTimeout
from switchyard.store.tables import OcppMessage
from tests.support import PASSWORD_16, PASSWORD_201, RunningNode, boot, exchange, station

SECRET_201 = "a-station-password-in-clear"
SECRET_16 = "00112233445566778899aabbccddeeff"
PASSWORD_VARIABLE = {"component": {"name": "SecurityCtrlr"}, "variable": {"name": "BasicAuthPassword"}}


async def logged(node: RunningNode, message_id: str, direction: str = "in", timeout: float = 5.0) -> OcppMessage:
    """The stored log row of one frame, once the recorder has written it."""
    async with asyncio.timeout(timeout):
        while True:
            await node.flush()
            async with node.sy.db.sessions() as session:
                row = await session.scalar(
                    select(OcppMessage).where(OcppMessage.message_id == message_id, OcppMessage.direction == direction)
                )
            if row is not None:
                return row
            await asyncio.sleep(0.02)


async def stored_payloads(node: RunningNode) -> str:
    await node.flush()
    async with node.sy.db.sessions() as session:
        return "\n".join(row.payload for row in (await session.scalars(select(OcppMessage))).all())


async def test_a_notify_report_with_the_basic_auth_password(node: RunningNode) -> None:
    await node.add_station("SEC-NR", ocpp_version="2.0.1")
    async with station(node.ws_url, "SEC-NR", PASSWORD_201, version="2.0.1") as ws:
        await boot(ws, "2.0.1")
        page = {
            "requestId": 1,
            "generatedAt": "2026-01-01T00:00:00Z",
            "seqNo": 0,
            "reportData": [
                {
                    **PASSWORD_VARIABLE,
                    "variableAttribute": [{"type": "Actual", "value": SECRET_201, "mutability": "WriteOnly"}],
                    "variableCharacteristics": {"dataType": "string", "supportsMonitoring": False},
                }
            ],
        }
        assert (await exchange(ws, [2, "report-1", "NotifyReport", page]))[:2] == [3, "report-1"]
    row = await logged(node, "report-1")
    assert row.action == "NotifyReport"
    assert SECRET_201 not in row.payload
    assert json.loads(row.payload)["reportData"][0]["variableAttribute"][0]["value"] == "***"
    assert SECRET_201 not in await stored_payloads(node)


async def test_a_get_variables_result_with_the_basic_auth_password(node: RunningNode) -> None:
    await node.add_station("SEC-GV", ocpp_version="2.0.1")
    async with station(node.ws_url, "SEC-GV", PASSWORD_201, version="2.0.1") as ws:
        await boot(ws, "2.0.1")
        asked = asyncio.create_task(
            node.sy.link.call("SEC-GV", "GetVariables", {"getVariableData": [PASSWORD_VARIABLE]})
        )
        call = json.loads(await ws.recv(decode=True))
        assert call[2] == "GetVariables"
        result = {"attributeStatus": "Accepted", "attributeValue": SECRET_201, **PASSWORD_VARIABLE}
        await ws.send(json.dumps([3, call[1], {"getVariableResult": [result]}]))
        answer = await asked
        assert answer["getVariableResult"][0]["attributeValue"] == SECRET_201  # the caller gets the value
    row = await logged(node, call[1])
    assert row.action == "GetVariables"
    assert SECRET_201 not in row.payload
    assert json.loads(row.payload)["getVariableResult"][0]["attributeValue"] == "***"
    assert SECRET_201 not in await stored_payloads(node)


async def test_a_late_get_configuration_answer_with_the_authorization_key(node: RunningNode) -> None:
    await node.add_station("SEC-LATE")
    async with station(node.ws_url, "SEC-LATE", PASSWORD_16) as ws:
        await boot(ws)
        asked = asyncio.create_task(
            node.sy.link.call("SEC-LATE", "GetConfiguration", {"key": ["AuthorizationKey"]}, timeout=0.2)
        )
        call = json.loads(await ws.recv(decode=True))
        with pytest.raises(CallTimeout):
            await asked
        # The answer comes after the call gave up: the node no longer knows what it answers.
        key: dict[str, Any] = {"key": "AuthorizationKey", "readonly": False, "value": SECRET_16}
        await ws.send(json.dumps([3, call[1], {"configurationKey": [key]}]))
        row = await logged(node, call[1])
    assert (row.action, row.message_type) == (None, 3)
    assert SECRET_16 not in row.payload
    assert json.loads(row.payload)["configurationKey"][0]["value"] == "***"
    assert SECRET_16 not in await stored_payloads(node)
