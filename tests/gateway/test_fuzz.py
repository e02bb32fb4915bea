"""Hostile stations fuzz the gateway for a bounded time: every frame gets its documented answer, a
well-behaved station is served throughout, and afterwards nothing is left waiting or lost.

The corpus (switchyard/sim/hostile.py): deep nesting, huge integers, long strings, wrong types,
invalid UTF-8, binary frames, fragments, unknown message types, stray answers, two-megabyte frames,
and seeded random mutations of valid calls.
"""

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from switchyard.sim.hostile import Probe, answer_ok, fixed_probes, mutations
from tests.gateway.raw_ws import BINARY, CONTINUATION, TEXT, RawWebSocket, raw_station
from tests.support import PASSWORD_16, PASSWORD_201, basic, boot, exchange, running_node, station

HOSTILE_PER_VERSION = 3
MUTATIONS_PER_STATION = 600
# Bounds: the whole run, how long the recorder may take to catch up, and how much memory may stay.
RUN_SECONDS = 60.0
DRAIN_SECONDS = 10.0
RSS_GROWTH_LIMIT = 200 * 1024 * 1024


async def _send(ws: RawWebSocket, probe: Probe, fragmented: bool) -> None:
    payload = probe.frame.encode() if isinstance(probe.frame, str) else probe.frame
    opcode = BINARY if probe.binary else TEXT
    if not fragmented or len(payload) < 8:
        await ws.send(opcode, payload)
        return
    third = len(payload) // 3
    await ws.send(opcode, payload[:third], fin=False)
    await ws.send(CONTINUATION, payload[third : 2 * third], fin=False)
    await ws.send(CONTINUATION, payload[2 * third :])


async def _answer_to(ws: RawWebSocket, probe: Probe, sentinel: str) -> list[Any] | None:
    """What came back for `probe` (None: nothing), read up to the answer to the sentinel heartbeat sent
    after it: frames are answered in order, so anything before the sentinel's answer is the probe's."""
    await ws.send_text([2, sentinel, "Heartbeat", {}])
    answers = []
    while True:
        received = await ws.receive(timeout=20)
        frame = json.loads(received.payload)
        if frame[1] == sentinel:
            break
        answers.append(frame)
    assert len(answers) <= 1, f"{probe.name}: more than one answer: {answers}"
    return answers[0] if answers else None


async def _fuzz(port: int, identity: str, password: str, version: str, seed: int) -> list[str]:
    problems: list[str] = []
    headers = basic(identity, password)
    subprotocol = "ocpp1.6" if version == "1.6" else "ocpp2.0.1"
    probes = fixed_probes(version) + list(mutations(version, seed, MUTATIONS_PER_STATION))
    async with raw_station(port, identity, headers, subprotocol) as ws:
        boot_payload = (
            {"chargePointVendor": "Evil", "chargePointModel": "F1"}
            if version == "1.6"
            else {"reason": "PowerUp", "chargingStation": {"vendorName": "Evil", "model": "F1"}}
        )
        await ws.send_text([2, "boot", "BootNotification", boot_payload])
        assert json.loads((await ws.receive()).payload)[2]["status"] == "Accepted"
        for n, probe in enumerate(probes):
            await _send(ws, probe, fragmented=n % 5 == 0)
            answer = await _answer_to(ws, probe, f"s{n}")
            problem = answer_ok(probe, answer, version)
            if problem is not None:
                problems.append(f"{identity} {probe.name}: {problem}")
    return problems


async def _served_throughout(url: str, stop: asyncio.Event) -> int:
    """A well-behaved station heartbeating while the others fuzz; how many round trips it made."""
    trips = 0
    async with station(url, "GOOD-1", PASSWORD_16) as ws:
        await boot(ws)
        while not stop.is_set():
            reply = await exchange(ws, [2, f"g{trips}", "Heartbeat", {}])
            assert reply[:2] == [3, f"g{trips}"]
            trips += 1
            await asyncio.sleep(0.05)
    return trips


@pytest.mark.slow
async def test_hostile_stations_get_documented_answers_and_leave_nothing_behind(tmp_path: Path) -> None:
    process = psutil.Process()
    async with running_node(tmp_path, message_log="all") as node:
        stations = [("GOOD-1", "1.6")]
        for version in ("1.6", "2.0.1"):
            stations += [(f"EVIL-{version}-{n}", version) for n in range(HOSTILE_PER_VERSION)]
        for identity, version in stations:
            await node.add_station(identity, ocpp_version=version)
        rss_before = process.memory_info().rss
        stop = asyncio.Event()
        good = asyncio.create_task(_served_throughout(node.ws_url, stop))
        started = time.monotonic()
        async with asyncio.timeout(RUN_SECONDS):
            results = await asyncio.gather(
                *(
                    _fuzz(
                        node.sy.gateway.ws_port,
                        identity,
                        PASSWORD_16 if version == "1.6" else PASSWORD_201,
                        version,
                        seed,
                    )
                    for seed, (identity, version) in enumerate(stations[1:], start=1)
                )
            )
            stop.set()
            trips = await good
        fuzzed_for = time.monotonic() - started
        problems = [problem for per_station in results for problem in per_station]
        assert problems == [], "\n".join(problems[:30])
        assert trips > 0, "the well-behaved station was served while the others fuzzed"

        async with asyncio.timeout(DRAIN_SECONDS):
            while True:
                backlog = node.sy.recorder.backlog()
                if backlog.items == 0:
                    break
                await asyncio.sleep(0.05)
        assert node.sy.recorder.refused_items == 0, "the database refused nothing that was accepted"
        assert node.sy.recorder.shed_messages == 0
        assert node.sy.gateway.listening
        rss_growth = process.memory_info().rss - rss_before
        assert rss_growth < RSS_GROWTH_LIMIT, f"RSS grew by {rss_growth / 1e6:.0f} MB in {fuzzed_for:.0f} s"
