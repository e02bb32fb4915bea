"""Good and hostile stations for the heartbeat-latency-under-attack measurement (picows on uvloop).

    python -m bench.hostile_client good --port P --stations 20 --first 0
    python -m bench.hostile_client fuzz --port P --stations 20 --first 20

`good`: the stations boot, then each sends a Heartbeat every `--interval` seconds and times its round
trip. On a `measure SECONDS` line on stdin it reports the round trips of the next SECONDS (`result`:
count, p50, p99, max in ms); `close` ends it.

`fuzz`: the stations boot, then each sends the hostile corpus of `switchyard.sim.hostile` (fixed probes
and seeded mutations, over and over) as fast as the server answers, each frame followed by a Heartbeat
sentinel so frames that get no answer are paced too. A station the server disconnects reconnects after
`Retry-After` (or a second). Until `close` on stdin.

Both talk to the driver with JSON lines on stdout, as bench.load_client does.
"""

import argparse
import asyncio
import base64
import contextlib
import itertools
import logging
import statistics
import sys
import time
from typing import Any

import uvloop
from picows import WSCloseCode, WSFrame, WSListener, WSMsgType, WSTransport, ws_connect

from bench.common import HOST, PATH_PREFIX, SUBPROTOCOL, Secret, identity, passwords, raise_nofile_limit, refusal
from bench.load_client import BOOT, emit, wait_for_close
from switchyard.sim.hostile import fixed_probes, mutations

HEARTBEAT = b'[2,"hb","Heartbeat",{}]'
SENTINEL = b'[2,"s","Heartbeat",{}]'
READ_BUFFER_BYTES = 4096


class Station(WSListener):
    """One connection; `answer` is the future of the next text frame the server sends."""

    def __init__(self) -> None:
        self.transport: WSTransport | None = None
        self.answer: asyncio.Future[bytes] | None = None
        self.closed = asyncio.Event()

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type == WSMsgType.CLOSE:
            transport.send_close(WSCloseCode.OK)
            transport.disconnect()
            return
        if frame.msg_type != WSMsgType.TEXT:
            return
        payload = frame.get_payload_as_bytes()
        refused = refusal(payload)
        if refused is not None:
            # A call from the central system (the read after a boot) is refused, not taken for an answer.
            transport.send(WSMsgType.TEXT, refused)
        elif self.answer is not None and not self.answer.done():
            self.answer.set_result(payload)

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        self.closed.set()
        if self.answer is not None and not self.answer.done():
            self.answer.set_exception(ConnectionError("disconnected"))

    async def exchange(self, payload: bytes, msg_type: WSMsgType = WSMsgType.TEXT, timeout: float = 30.0) -> bytes:
        assert self.transport is not None
        self.answer = asyncio.get_running_loop().create_future()
        self.transport.send(msg_type, payload)
        # Not asyncio.wait_for: on Python 3.11 it can swallow a cancellation that meets the answer,
        # and an attacker cancelled at the end of a run then fuzzed on until the client's deadline.
        async with asyncio.timeout(timeout):
            return await self.answer


async def connect(port: int, index: int, secret: Secret) -> Station:
    name = identity(index)
    credentials = base64.b64encode(f"{name}:{secret(name)}".encode()).decode()
    _, station = await ws_connect(
        Station,
        f"ws://{HOST}:{port}{PATH_PREFIX}/{name}",
        extra_headers={"Sec-WebSocket-Protocol": SUBPROTOCOL, "Authorization": f"Basic {credentials}"},
        websocket_handshake_timeout=10,
        logger_name=logging.LoggerAdapter(logging.getLogger("bench.hostile"), {}),
        read_buffer_init_size=READ_BUFFER_BYTES,
    )
    assert isinstance(station, Station)
    answer = await station.exchange(BOOT)
    if b'"Accepted"' not in answer:
        raise ConnectionError(f"{name}: boot not accepted: {answer[:200]!r}")
    return station


async def good(args: argparse.Namespace) -> None:
    secret = passwords(args.passwords)
    stations = await asyncio.gather(*(connect(args.port, args.first + n, secret) for n in range(args.stations)))
    emit("booted", booted=len(stations))
    samples: list[float] | None = None
    errors = 0

    async def beat(station: Station) -> None:
        nonlocal errors
        while True:
            started = time.perf_counter()
            try:
                answer = await station.exchange(HEARTBEAT)
            except (ConnectionError, TimeoutError):
                errors += 1
                return
            if samples is not None:
                samples.append(time.perf_counter() - started)
            if not answer.startswith(b"[3"):
                errors += 1
            await asyncio.sleep(args.interval)

    beaters = [asyncio.create_task(beat(station)) for station in stations]
    reader = await _stdin()
    while (line := (await reader.readline()).decode().split()) and line[0] == "measure":
        samples, errors = [], 0
        await asyncio.sleep(float(line[1]))
        taken, samples = samples, None
        emit("result", **_latency(taken), errors=errors)
    for task in beaters:
        task.cancel()
    await asyncio.gather(*beaters, return_exceptions=True)
    for station in stations:
        if station.transport is not None:
            station.transport.disconnect()


def _latency(samples: list[float]) -> dict[str, Any]:
    if not samples:
        return {"round_trips": 0, "p50_ms": None, "p99_ms": None, "max_ms": None}
    ordered = sorted(samples)
    return {
        "round_trips": len(ordered),
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        "max_ms": ordered[-1] * 1000,
    }


async def fuzz(args: argparse.Namespace) -> None:
    sent = 0
    reconnects = 0
    secret = passwords(args.passwords)

    async def attack(index: int) -> None:
        nonlocal sent, reconnects
        probes = itertools.cycle(fixed_probes("1.6") + list(mutations("1.6", index, 500)))
        while True:
            try:
                station = await connect(args.port, index, secret)
            except Exception:
                reconnects += 1
                await asyncio.sleep(1.0)
                continue
            try:
                while True:
                    probe = next(probes)
                    payload = probe.frame.encode() if isinstance(probe.frame, str) else probe.frame
                    kind = WSMsgType.BINARY if probe.binary else WSMsgType.TEXT
                    assert station.transport is not None
                    station.transport.send(kind, payload)
                    # Whatever came back for the probe (or nothing), the sentinel's answer follows it.
                    while not (await station.exchange(SENTINEL)).startswith(b'[3,"s"'):
                        pass
                    sent += 1
            except (ConnectionError, TimeoutError):
                reconnects += 1
                await asyncio.sleep(1.0)

    attackers = [asyncio.create_task(attack(args.first + n)) for n in range(args.stations)]
    await asyncio.sleep(1.0)
    emit("booted", booted=args.stations)
    await wait_for_close()
    for task in attackers:
        task.cancel()
    await asyncio.gather(*attackers, return_exceptions=True)
    emit("result", probes_answered=sent, reconnects=reconnects)


async def _stdin() -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    await asyncio.get_running_loop().connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    return reader


async def run(args: argparse.Namespace) -> None:
    async with asyncio.timeout(args.deadline):
        await (good(args) if args.mode == "good" else fuzz(args))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["good", "fuzz"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--stations", type=int, default=20)
    parser.add_argument("--first", type=int, default=0, help="index of the first station's identity")
    parser.add_argument("--interval", type=float, default=0.05, help="good: seconds between heartbeats")
    parser.add_argument("--deadline", type=float, default=600.0)
    parser.add_argument("--passwords", help="the stations' passwords, as bench.provision wrote them (else derived)")
    args = parser.parse_args()
    raise_nofile_limit()
    with contextlib.suppress(KeyboardInterrupt):
        uvloop.run(run(args))


if __name__ == "__main__":
    main()
