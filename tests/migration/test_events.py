"""The webhook events of a migration, as subscribers get them (issue 10, point 6): per station
`chargestation.migration.*` in the order of its procedure, per job `migration.*` with its waves and
its end, and never a secret of the migration (the peer's API key, a station's password).

The events are read back from `GET /v1.1/webhooks/events`, in the outbox's order, which is the order
subscribers get them in. `reset` always comes before `departed`: a station heard leaving before its
answer to the reset is told after it (the last test shows a station that hangs up that fast)."""

import asyncio
import json
import struct
from pathlib import Path
from typing import Any

import pytest

from tests.gateway.raw_ws import CLOSE, TEXT, RawWebSocket, frame, raw_station
from tests.migration.observe import booted, events, to_peer
from tests.migration.support import ended, served_api, start_migration, states, wait_for_migration
from tests.sim.support import spec_for
from tests.support import BOOT_16, PASSWORD_16, RunningNode, basic

PRIORITY = "NetworkConfigurationPriority"

PROCEDURE = [
    f"chargestation.migration.{name}"
    for name in ("started", "slot_written", "priority_set", "reset", "departed", "arrived", "confirmed")
]


async def test_a_migration_to_a_peer_tells_each_step_in_order_and_no_secret(
    node: RunningNode, second: RunningNode, tmp_path: Path
) -> None:
    specs = [spec_for(node, "EV-16", "1.6", tmp_path), spec_for(node, "EV-201", "2.0.1", tmp_path)]
    async with served_api(second) as b_api, booted(specs, node, second):
        waves = {"canary": 1, "size": 10, "concurrency": 5}
        job = await start_migration(node, to_peer(second, b_api, ["EV-16", "EV-201"], waves=waves))
        done = await wait_for_migration(node, job["_id"], ended)
        assert states(done) == {"EV-16": "confirmed", "EV-201": "confirmed"}, done

    told: dict[str, list[dict[str, Any]]] = {}
    for identity in ("EV-16", "EV-201"):
        told[identity] = await events(node, "chargestation.migration.*", identity)
        assert [e["type"] for e in told[identity]] == PROCEDURE, identity
        assert [e["data"]["state"] for e in told[identity]] == [*["in_progress"] * 4, "departed", *["confirmed"] * 2]
        station_id = next(s["station"] for s in done["stations"] if s["identity"] == identity)
        for envelope in told[identity]:
            data = envelope["data"]
            assert (data["migration"], data["station"], data["identity"]) == (job["_id"], station_id, identity)
            assert envelope["object"] == "action"

    jobs = await events(node, "migration.*")
    assert [(e["type"], e["data"]) for e in jobs] == [
        ("migration.wave_started", {"migration": job["_id"], "wave": 0, "canary": True}),
        ("migration.wave_started", {"migration": job["_id"], "wave": 1, "canary": False}),
        ("migration.completed", {"migration": job["_id"], "reason": None, "counts": {"succeeded": 2}}),
    ]

    everything = str(await events(node, "*")) + str(await events(second, "*"))
    assert second.admin_key not in everything
    for spec in specs:
        assert spec.password is not None
        assert spec.password not in everything


async def answer_until_reset(ws: RawWebSocket, config: dict[str, str], answers_reset: bool) -> None:
    """A 1.6 station by hand: it boots, answers the migration's reads and writes from `config`, and at
    the reset hangs up at once, as firmware that cuts its power does: right after its answer (the
    answer and the close in one write), or without answering at all. It never comes back."""
    await ws.send_text([2, "boot", "BootNotification", BOOT_16])
    assert (await ws.receive()).json()[2]["status"] == "Accepted"
    while True:
        _, call_id, action, payload = (await ws.receive(timeout=10)).json()
        if action == "Reset":
            answer = frame(TEXT, json.dumps([3, call_id, {"status": "Accepted"}]).encode()) if answers_reset else b""
            ws.writer.write(answer + frame(CLOSE, struct.pack("!H", 1000)))
            await ws.writer.drain()
            ws.writer.close()
            return
        if action == "GetConfiguration":
            keys = payload.get("key") or list(config)
            known = [{"key": k, "readonly": False, "value": config[k]} for k in keys if k in config]
            reply: dict[str, Any] = {"configurationKey": known, "unknownKey": [k for k in keys if k not in config]}
        elif action == "ChangeConfiguration":
            config[payload["key"]] = payload["value"]
            reply = {"status": "RebootRequired" if payload["key"] == PRIORITY else "Accepted"}
        else:
            reply = {}
        await ws.send_text([3, call_id, reply])


@pytest.mark.parametrize(
    ("answers_reset", "told"),
    [
        (True, ["started", "slot_written", "priority_set", "reset", "departed", "failed"]),
        # No answer, no `reset` event: only its leaving says the reset happened.
        (False, ["started", "slot_written", "priority_set", "departed", "failed"]),
    ],
)
async def test_a_station_that_hangs_up_at_the_reset_is_told_in_order_and_kept_to_its_deadline(
    node: RunningNode, answers_reset: bool, told: list[str]
) -> None:
    """The disconnection can reach the procedure before the reset's answer (or its failure) does. The
    events still come in the procedure's order, and the station is still held to its deadline."""
    await node.add_station("HANG-16")
    config = {
        "NetworkConnectionProfile1": node.ws_url,
        "NetworkConnectionProfile2": "",
        PRIORITY: "NetworkConnectionProfile1,NetworkConnectionProfile2",
        "NetworkProfileConnectionTimeoutSec": "30",
    }
    port = node.sy.gateway.ws_port
    assert port is not None
    async with raw_station(port, "HANG-16", basic("HANG-16", PASSWORD_16)) as ws:
        station = asyncio.create_task(answer_until_reset(ws, config, answers_reset))
        body = {
            "targetUrl": "ws://csms-2.example.com/ocpp",
            "stations": ["HANG-16"],
            "securityProfile": 1,
            "confirmation": {"mode": "external", "deadlineSeconds": 1},
        }
        job = await start_migration(node, body)
        done = await wait_for_migration(node, job["_id"], ended, timeout=15)
        await station
    (member,) = done["stations"]
    assert (member["state"], member["reason"]) == ("failed", "not confirmed within 1 s of the reset"), member
    events_told = await events(node, "chargestation.migration.*", "HANG-16")
    assert [e["type"].rpartition(".")[2] for e in events_told] == told
