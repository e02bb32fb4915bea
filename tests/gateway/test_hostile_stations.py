"""A station that sends what it should not: deep frames, huge numbers, floods. Each gets a documented
answer, nothing reaches the database half-written, no traceback is logged, other stations go on."""

import asyncio
import io
import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from switchyard.store.tables import ConnectorState, OcppMessage
from tests.gateway.raw_ws import CLOSE, TEXT, frame, raw_station
from tests.support import PASSWORD_16, PASSWORD_201, RunningNode, basic, boot, exchange, running_node, station

BOOT = [2, "boot", "BootNotification", {"chargePointVendor": "Acme", "chargePointModel": "M"}]


async def _rows(node: RunningNode, model: Any) -> list[Any]:
    await node.flush()
    async with node.sy.db.sessions() as session:
        return list((await session.scalars(select(model))).all())


async def test_deep_frames_get_a_callerror_and_no_traceback(node: RunningNode, debug_logs: io.StringIO) -> None:
    """Regression: ~1 KB frames nested 490-1000 levels closed the session with 1011 and each wrote a
    156 KB traceback to the log."""
    await node.add_station("DEEP-1", ocpp_version="2.0.1")
    async with station(node.ws_url, "DEEP-1", PASSWORD_201, version="2.0.1") as ws:
        await boot(ws, "2.0.1")
        for depth in (40, 495, 999, 5000):
            nested = "[" * depth + "]" * depth
            reply = await exchange(ws, f'[2, "d{depth}", "DataTransfer", {{"vendorId": "v", "data": {nested}}}]')
            assert reply[0] == 4
            assert reply[2] in ("FormatViolation", "RpcFrameworkError")
            assert "levels deep" in reply[3]
        assert (await exchange(ws, [2, "alive", "Heartbeat", {}]))[:2] == [3, "alive"]
    logged = debug_logs.getvalue()
    assert "Traceback" not in logged
    assert "RecursionError" not in logged


async def test_a_huge_connector_id_is_refused_and_stores_nothing(node: RunningNode) -> None:
    """Regression: `connectorId: 9223372036854775808` passed the schema; the station got `{}`, SQLite
    refused the batch the row landed in, and the recorder dropped it silently after rewriting the
    batch one row per transaction (65 s for 30,000 rows)."""
    await node.add_station("BIG-1")
    async with station(node.ws_url, "BIG-1", PASSWORD_16) as ws:
        await boot(ws)
        huge = {"connectorId": 9223372036854775808, "errorCode": "NoError", "status": "Available"}
        reply = await exchange(ws, [2, "big", "StatusNotification", huge])
        assert reply[:3] == [4, "big", "PropertyConstraintViolation"]
        assert "connectorId" in reply[3]
        fine = {"connectorId": 1, "errorCode": "NoError", "status": "Available"}
        assert (await exchange(ws, [2, "ok", "StatusNotification", fine]))[:2] == [3, "ok"]
    assert [(c.evse_id, c.status) for c in await _rows(node, ConnectorState)] == [(1, "Available")]
    assert node.sy.recorder.refused_items == 0


async def test_a_failing_handler_logs_one_traceback_then_one_line_each(
    node: RunningNode, debug_logs: io.StringIO
) -> None:
    await node.add_station("FAIL-1")

    def broken(endpoint: Any, payload: Any) -> Any:
        raise ValueError("a bug reached by station input")

    node.sy.gateway._handlers["1.6"]["Heartbeat"] = broken  # type: ignore[index]
    async with station(node.ws_url, "FAIL-1", PASSWORD_16) as ws:
        await boot(ws)
        for n in range(5):
            reply = await exchange(ws, [2, f"h{n}", "Heartbeat", {}])
            assert reply[:3] == [4, f"h{n}", "InternalError"]
    logged = debug_logs.getvalue()
    assert logged.count("Traceback") == 1
    assert logged.count("handler failed again") == 4


async def test_a_long_frame_is_logged_as_its_action_size_and_a_prefix(tmp_path: Path) -> None:
    """Regression: the message log stored whole payloads (up to 8 MB a frame): 6.5 GB of hostile frames
    made a 7.9 GB database."""
    async with running_node(tmp_path, message_log_max_payload_bytes=1024) as node:
        await node.add_station("LOG-1", ocpp_version="2.0.1")
        async with station(node.ws_url, "LOG-1", PASSWORD_201, version="2.0.1") as ws:
            await boot(ws, "2.0.1")
            data = "é" * 200_000
            reply = await exchange(ws, [2, "long", "DataTransfer", {"vendorId": "v", "data": data}])
            assert reply[:2] == [3, "long"]
        [logged] = [r for r in await _rows(node, OcppMessage) if r.message_id == "long" and r.direction == "in"]
        assert logged.action == "DataTransfer"
        assert logged.truncated is True
        assert logged.size > 400_000
        assert len(logged.payload.encode()) <= 1024
        short = [r for r in await _rows(node, OcppMessage) if r.action == "BootNotification"]
        assert short
        assert all(not r.truncated and json.loads(r.payload) and r.size == len(r.payload) for r in short)


async def test_the_message_log_keeps_its_budgets_oldest_rows_first(tmp_path: Path) -> None:
    async with running_node(tmp_path, message_log_station_rows=10, message_log_total_rows=100) as node:
        node.sy.retention._total_rows = 15
        for identity in ("LOUD", "QUIET"):
            await node.add_station(identity)
        async with (
            station(node.ws_url, "LOUD", PASSWORD_16) as loud,
            station(node.ws_url, "QUIET", PASSWORD_16) as quiet,
        ):
            await boot(quiet)
            await boot(loud)
            for n in range(20):
                await exchange(loud, [2, f"h{n}", "Heartbeat", {}])
            await node.flush()
            removed = await node.sy.retention.trim_message_log()
        rows = await _rows(node, OcppMessage)
        by_station: dict[str, list[Any]] = {}
        for row in rows:
            by_station.setdefault(row.identity, []).append(row)
        assert removed > 0
        assert len(by_station["LOUD"]) <= 10, "the loud station keeps only its own budget"
        assert len(rows) <= 15
        assert [r.message_id for r in by_station["LOUD"]][-1] == "h19", "the newest rows stay"
        assert "QUIET" in by_station, "a quiet station's rows are not pushed out by a loud one's"


async def test_a_station_over_its_budget_is_slowed_not_dropped(tmp_path: Path) -> None:
    async with running_node(tmp_path, station_message_rate=20.0, station_message_burst=10) as node:
        await node.add_station("FAST-1")
        async with raw_station(node.sy.gateway.ws_port, "FAST-1", basic("FAST-1", PASSWORD_16)) as ws:
            await ws.send_text(BOOT)
            await ws.receive()
            for n in range(18):  # past the burst, short of twice it: paused, never cut off
                await ws.send_text([2, f"h{n}", "Heartbeat", {}])
            answers = [(await ws.receive()).json() for _ in range(18)]
        assert [a[1] for a in answers] == [f"h{n}" for n in range(18)], "every call answered, in order"
        assert node.sy.gateway._throttled >= 1


async def test_a_station_that_floods_far_past_its_budget_is_disconnected(tmp_path: Path) -> None:
    async with running_node(tmp_path, station_message_rate=5.0, station_message_burst=10) as node:
        await node.add_station("FLOOD-1")
        await node.add_station("CALM-1")
        async with raw_station(node.sy.gateway.ws_port, "FLOOD-1", basic("FLOOD-1", PASSWORD_16)) as flood:
            await flood.send_text(BOOT)
            await flood.receive()
            frames = b"".join(frame(TEXT, b'[2,"x","Heartbeat",{}]') for _ in range(200))
            flood.writer.write(frames)
            await flood.writer.drain()
            try:
                while (received := await flood.receive()).opcode != CLOSE:
                    pass
                assert received.close_code == 1008
            except (ConnectionError, asyncio.IncompleteReadError):
                pass  # closed with our frames still unread: the kernel resets instead
        async with asyncio.timeout(5):
            while True:
                if "FLOOD-1" not in node.sy.gateway.sessions:
                    break
                await asyncio.sleep(0.01)
        assert node.sy.gateway._admission.identities.failing("identity:FLOOD-1"), "reconnecting costs it"
        async with station(node.ws_url, "CALM-1", PASSWORD_16) as calm:
            assert (await boot(calm))["status"] == "Accepted"
        assert "FLOOD-1" not in node.sy.gateway.sessions


async def test_the_health_endpoint_shows_the_recorder_backlog(tmp_path: Path) -> None:
    async with running_node(tmp_path, recorder_flush_interval=3600.0) as node:
        await node.add_station("GAUGE-1")
        async with station(node.ws_url, "GAUGE-1", PASSWORD_16) as ws:
            await boot(ws)
            for n in range(5):
                await exchange(ws, [2, f"h{n}", "Heartbeat", {}])
        waiting = (await node.api.get("/healthz")).json()["recorder"]
        assert waiting["backlog"] > 0
        assert waiting["backlogLogBytes"] > 0
        assert waiting["oldestSeconds"] > 0
        await node.flush()
        drained = (await node.api.get("/healthz")).json()["recorder"]
        assert (drained["backlog"], drained["backlogLogBytes"], drained["oldestSeconds"]) == (0, 0, 0)
