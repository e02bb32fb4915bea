"""What stations report is stored: boot data, live state, statuses, events, reports, transactions, the log."""

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from switchyard.store.tables import (
    ConnectorState,
    NotifyReportPage,
    OcppMessage,
    SecurityEventRow,
    Station,
    Transaction,
)
from tests.support import PASSWORD_16, PASSWORD_201, RunningNode, boot, exchange, running_node, station


async def _rows(node: RunningNode, model: Any) -> list[Any]:
    await node.flush()
    async with node.sy.db.sessions() as session:
        return list((await session.scalars(select(model))).all())


async def test_boot_and_live_state_are_recorded(node: RunningNode) -> None:
    await node.add_station("CP-1")
    async with station(node.ws_url, "CP-1", PASSWORD_16) as ws:
        await boot(ws)
        [row] = await _rows(node, Station)
        assert (row.vendor, row.model, row.firmware_version) == ("Acme", "Volt 22", "1.2.3")
        assert (row.last_boot_status, row.connection_state, row.connected_node) == ("Accepted", "connected", "local")
        assert row.last_seen_at is not None
    await asyncio.sleep(0.05)
    [row] = await _rows(node, Station)
    assert row.connection_state == "disconnected"
    assert row.connected_node is None


async def test_connector_status_from_status_notification_and_notify_event(node: RunningNode) -> None:
    await node.add_station("CP-16")
    await node.add_station("CP-201", ocpp_version="2.0.1")
    async with station(node.ws_url, "CP-16", PASSWORD_16) as ws:
        await boot(ws)
        for status in ("Preparing", "Charging"):
            payload = {"connectorId": 2, "errorCode": "NoError", "status": status}
            await exchange(ws, [2, status, "StatusNotification", payload])
    async with station(node.ws_url, "CP-201", PASSWORD_201, version="2.0.1") as ws:
        await boot(ws, "2.0.1")
        event = {
            "generatedAt": "2026-01-01T00:00:00Z",
            "seqNo": 0,
            "eventData": [
                {
                    "eventId": 1,
                    "timestamp": "2026-01-01T00:00:00Z",
                    "trigger": "Delta",
                    "actualValue": "Occupied",
                    "eventNotificationType": "HardWiredNotification",
                    "component": {"name": "Connector", "evse": {"id": 1, "connectorId": 1}},
                    "variable": {"name": "AvailabilityState"},
                }
            ],
        }
        assert (await exchange(ws, [2, "e", "NotifyEvent", event]))[0] == 3
    states = {(r.evse_id, r.connector_id, r.status) for r in await _rows(node, ConnectorState)}
    assert states == {(2, 1, "Charging"), (1, 1, "Occupied")}


async def test_security_events_and_report_pages(node: RunningNode) -> None:
    await node.add_station("CP-201", ocpp_version="2.0.1")
    async with station(node.ws_url, "CP-201", PASSWORD_201, version="2.0.1") as ws:
        await boot(ws, "2.0.1")
        event = {"type": "FirmwareUpdated", "timestamp": "2026-01-01T00:00:00Z", "techInfo": "v2"}
        assert (await exchange(ws, [2, "s", "SecurityEventNotification", event]))[0] == 3
        for seq in (0, 1):
            page = {
                "requestId": 7,
                "generatedAt": "2026-01-01T00:00:00Z",
                "seqNo": seq,
                "tbc": seq == 0,
                "reportData": [
                    {
                        "component": {"name": "OCPPCommCtrlr"},
                        "variable": {"name": "HeartbeatInterval"},
                        "variableAttribute": [{"value": "300"}],
                    }
                ],
            }
            assert (await exchange(ws, [2, f"r{seq}", "NotifyReport", page]))[0] == 3
    [event_row] = await _rows(node, SecurityEventRow)
    assert (event_row.type, event_row.tech_info) == ("FirmwareUpdated", "v2")
    pages = sorted((p.request_id, p.seq_no, p.tbc) for p in await _rows(node, NotifyReportPage))
    assert pages == [(7, 0, True), (7, 1, False)]


async def test_transactions_16_and_201(node: RunningNode) -> None:
    await node.add_station("CP-16")
    await node.add_station("CP-201", ocpp_version="2.0.1")
    async with station(node.ws_url, "CP-16", PASSWORD_16) as ws:
        await boot(ws)
        start = {"connectorId": 1, "idTag": "TAG1", "meterStart": 1000, "timestamp": "2026-01-01T10:00:00Z"}
        started = await exchange(ws, [2, "st", "StartTransaction", start])
        assert started[2]["idTagInfo"] == {"status": "Accepted"}
        tx_id = started[2]["transactionId"]
        stop = {"transactionId": tx_id, "meterStop": 8500, "timestamp": "2026-01-01T11:00:00Z", "reason": "Local"}
        assert (await exchange(ws, [2, "sp", "StopTransaction", stop]))[2] == {}
    async with station(node.ws_url, "CP-201", PASSWORD_201, version="2.0.1") as ws:
        await boot(ws, "2.0.1")
        base = {"timestamp": "2026-01-01T10:00:00Z", "triggerReason": "Authorized", "seqNo": 0}
        energy = [
            {"timestamp": "2026-01-01T10:00:00Z", "sampledValue": [{"value": 2.5, "unitOfMeasure": {"unit": "kWh"}}]}
        ]
        started = await exchange(
            ws,
            [
                2,
                "t1",
                "TransactionEvent",
                {
                    **base,
                    "eventType": "Started",
                    "transactionInfo": {"transactionId": "T-9"},
                    "idToken": {"idToken": "TAG2", "type": "ISO14443"},
                    "evse": {"id": 1, "connectorId": 1},
                    "meterValue": energy,
                },
            ],
        )
        assert started[2] == {"idTokenInfo": {"status": "Accepted"}}
        ended = await exchange(
            ws,
            [
                2,
                "t2",
                "TransactionEvent",
                {
                    **base,
                    "seqNo": 1,
                    "eventType": "Ended",
                    "transactionInfo": {"transactionId": "T-9", "stoppedReason": "EVDisconnected"},
                },
            ],
        )
        assert ended[2] == {}
    rows = {r.transaction_ref: r for r in await _rows(node, Transaction)}
    assert rows[str(tx_id)].state == "ended"
    assert rows[str(tx_id)].meter_stop_wh == 8500
    assert rows["T-9"].state == "ended"
    assert rows["T-9"].meter_start_wh == 2500
    assert rows["T-9"].stop_reason == "EVDisconnected"


async def test_message_log_has_both_directions_with_secrets_redacted(node: RunningNode) -> None:
    await node.add_station("CP-1")
    async with station(node.ws_url, "CP-1", PASSWORD_16) as ws:
        await boot(ws)
        secret = "00112233445566778899aabbccddeeff"
        call = asyncio.create_task(
            node.sy.link.call("CP-1", "ChangeConfiguration", {"key": "AuthorizationKey", "value": secret})
        )
        frame = json.loads(await ws.recv())
        assert frame[3]["value"] == secret, "the station receives the real value"
        await ws.send(json.dumps([3, frame[1], {"status": "Accepted"}]))
        await call
    rows = await _rows(node, OcppMessage)
    assert [(r.direction, r.message_type, r.action) for r in rows] == [
        ("in", 2, "BootNotification"),
        ("out", 3, "BootNotification"),
        ("out", 2, "ChangeConfiguration"),
        ("in", 3, "ChangeConfiguration"),
    ]
    assert all(secret not in r.payload for r in rows)
    assert json.loads(rows[2].payload) == {"key": "AuthorizationKey", "value": "***"}


async def test_default_log_skips_heartbeats_and_off_logs_nothing(tmp_path: Path) -> None:
    for mode, expected in (("no-heartbeats", ["BootNotification", "BootNotification"]), ("off", [])):
        async with running_node(tmp_path / mode, message_log=mode) as node:
            await node.add_station("CP-1")
            async with station(node.ws_url, "CP-1", PASSWORD_16) as ws:
                await boot(ws)
                await exchange(ws, [2, "h", "Heartbeat", {}])
            assert [r.action for r in await _rows(node, OcppMessage)] == expected


async def test_retention_purges_old_messages(node: RunningNode) -> None:
    await node.add_station("CP-1")
    async with station(node.ws_url, "CP-1", PASSWORD_16) as ws:
        await boot(ws)
    rows = await _rows(node, OcppMessage)
    assert rows
    async with node.sy.db.transaction() as session:
        old = await session.get(OcppMessage, rows[0].id)
        assert old is not None
        old.at = old.at - timedelta(days=node.sy.settings.message_log_retention_days + 1)
    assert await node.sy.retention.purge() == 1
    assert len(await _rows(node, OcppMessage)) == len(rows) - 1


async def test_an_absurdly_long_unknown_action_is_answered_and_logged(node: RunningNode) -> None:
    """Regression: the action column holds 50 characters; PostgreSQL refused the whole row."""
    await node.add_station("CP-1")
    async with station(node.ws_url, "CP-1", PASSWORD_16) as ws:
        await boot(ws)
        reply = await exchange(ws, [2, "long", "X" * 500, {}])
        assert reply[:3] == [4, "long", "NotImplemented"]
    logged = [r for r in await _rows(node, OcppMessage) if r.message_id == "long"]
    assert [(r.direction, len(r.action or "")) for r in logged] == [("in", 50), ("out", 50)]


async def test_the_boot_after_a_connect_writes_no_second_last_seen_time(
    node: RunningNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The connect stores the last-seen time; the sweep rewrites it only once the station was seen at
    least a second later, so a reconnect storm costs one write per station for it, not two."""
    created = await node.add_station("CP-1")
    written: list[tuple[str, Any]] = []
    monkeypatch.setattr(node.sy.recorder, "seen", written.extend)
    async with station(node.ws_url, "CP-1", PASSWORD_16) as ws:
        await boot(ws)
        gateway = node.sy.gateway
        gateway._flush_seen()
        assert written == []
        gateway.sessions["CP-1"].endpoint.last_seen += 1.5
        gateway._flush_seen()
        assert [station_id for station_id, _ in written] == [created["_id"]]
        gateway._flush_seen()
        assert len(written) == 1
