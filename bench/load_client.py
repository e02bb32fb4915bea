"""The load client: many OCPP 1.6 stations in one process (picows on uvloop), the same code for both servers.

Frames are encoded once; every station has at most one CALL outstanding. The client talks to the
driver with JSON lines on stdout and waits for `close` on stdin in `hold` mode.

    python -m bench.load_client heartbeat --port P --stations 100 --warmup 1 --duration 5
    python -m bench.load_client hold --port P --stations 5000 --concurrency 200
"""

import argparse
import asyncio
import base64
import contextlib
import json
import logging
import os
import stat
import sys
import time
from typing import Any

import uvloop
from picows import WSCloseCode, WSFrame, WSListener, WSMsgType, WSTransport, ws_connect

from bench.common import HOST, PATH_PREFIX, SUBPROTOCOL, Secret, identity, passwords, raise_nofile_limit, refusal
from bench.raw_client import RawStation
from bench.raw_client import connect_and_boot as raw_connect_and_boot

BOOT = b'[2,"boot-1","BootNotification",{"chargePointVendor":"Bench","chargePointModel":"Load 1"}]'
HEARTBEAT = b'[2,"hb","Heartbeat",{}]'
READ_BUFFER_BYTES = 4096
MAX_REPORTED_FAILURES = 5
# Seconds after the last refused boot call before heartbeats start: the server records the refusals.
SETTLE_AFTER_CALLS = 0.5


def emit(event: str, **values: Any) -> None:
    print(json.dumps({"event": event, **values}), flush=True)


class Load:
    """Counters shared by every station of this client."""

    def __init__(self, secret: Secret) -> None:
        self.secret = secret
        self.round_trips = 0
        self.errors = 0
        self.running = False
        self.beating = 0
        self.drained = asyncio.Event()
        self.disconnected = 0
        self.failures: list[str] = []
        # Calls from the central system refused so far (Switchyard's configuration read after each boot).
        self.calls_refused = 0
        self.calls_expected = 1 << 62
        self.calls_settled = asyncio.Event()
        # hold mode: set once every raw station's connection is gone
        self.closing_target = 1 << 62
        self.all_closed = asyncio.Event()

    def stopped_beating(self) -> None:
        self.beating -= 1
        if self.beating == 0:
            self.drained.set()


class Station(WSListener):
    __slots__ = ("beating", "load", "reply", "transport")

    def __init__(self, load: Load) -> None:
        self.load = load
        self.transport: WSTransport | None = None
        self.reply: asyncio.Future[bytes] | None = None
        self.beating = False

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        kind = frame.msg_type
        if kind != WSMsgType.TEXT:
            if kind == WSMsgType.CLOSE:
                transport.send_close(frame.get_close_code())
                transport.disconnect()
            return
        payload = frame.get_payload_as_bytes()
        refused = refusal(payload)
        if refused is not None:
            # A call from the central system, refused at once; it is not a round trip.
            transport.send(WSMsgType.TEXT, refused)
            load = self.load
            load.calls_refused += 1
            if load.calls_refused >= load.calls_expected:
                load.calls_settled.set()
            return
        if self.beating:
            load = self.load
            if payload.startswith(b"[3"):
                load.round_trips += 1
            else:
                load.errors += 1
            if load.running:
                transport.send(WSMsgType.TEXT, HEARTBEAT)
            else:
                self.beating = False
                load.stopped_beating()
            return
        reply = self.reply
        if reply is not None and not reply.done():
            reply.set_result(payload)

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        self.load.disconnected += 1
        reply = self.reply
        if reply is not None and not reply.done():
            reply.set_exception(ConnectionError("disconnected"))
        if self.beating:
            self.beating = False
            self.load.stopped_beating()


async def connect_and_boot(load: Load, port: int, index: int, timeout: float, log: logging.LoggerAdapter) -> Station:
    name = identity(index)
    credentials = base64.b64encode(f"{name}:{load.secret(name)}".encode()).decode()
    headers = {"Sec-WebSocket-Protocol": SUBPROTOCOL, "Authorization": f"Basic {credentials}"}
    transport, station = await ws_connect(
        lambda: Station(load),
        f"ws://{HOST}:{port}{PATH_PREFIX}/{name}",
        extra_headers=headers,
        websocket_handshake_timeout=timeout,
        logger_name=log,
        read_buffer_init_size=READ_BUFFER_BYTES,
    )
    assert isinstance(station, Station)
    station.reply = asyncio.get_running_loop().create_future()
    transport.send(WSMsgType.TEXT, BOOT)
    try:
        answer = await asyncio.wait_for(station.reply, timeout)
    finally:
        station.reply = None
    if not answer.startswith(b"[3") or b'"Accepted"' not in answer:
        transport.disconnect()
        raise ConnectionError(f"boot not accepted: {answer[:200]!r}")
    return station


async def connect_all(load: Load, port: int, count: int, concurrency: int, timeout: float) -> list[Station]:
    """Connect and boot stations 0..count-1, at most `concurrency` handshakes+boots in flight."""
    # A LoggerAdapter stops picows from creating a child logger per connection.
    log = logging.LoggerAdapter(logging.getLogger("bench.client"), {})
    next_index = iter(range(count))
    stations: list[Station] = []

    async def worker() -> None:
        for index in next_index:
            try:
                stations.append(await connect_and_boot(load, port, index, timeout, log))
            except Exception as exc:
                if len(load.failures) < MAX_REPORTED_FAILURES:
                    load.failures.append(f"{identity(index)}: {type(exc).__name__}: {exc}")
                else:
                    load.failures.append("")

    await asyncio.gather(*(worker() for _ in range(min(concurrency, count))))
    return stations


async def settle_boot_calls(load: Load, expected: int, timeout: float) -> None:
    """Wait (at most `timeout`) until the server's calls after the boots came and were refused, then a
    moment for the server to record the refusals: the window then measures heartbeats alone, not the
    end of the post-boot work (that is part of the connect measurement)."""
    started = time.perf_counter()
    load.calls_expected = expected
    if load.calls_refused >= expected:
        load.calls_settled.set()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(load.calls_settled.wait(), timeout)
    await asyncio.sleep(SETTLE_AFTER_CALLS)
    emit("calls-settled", refused=load.calls_refused, expected=expected, seconds=time.perf_counter() - started)


async def close_all(stations: list[Station], timeout: float) -> None:
    transports = [s.transport for s in stations if s.transport is not None and not s.transport.is_disconnected]
    for transport in transports:
        transport.send_close(WSCloseCode.OK)
        transport.disconnect()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            for transport in transports:
                await transport.wait_disconnected()


def failures(load: Load) -> dict[str, Any]:
    return {"failed": len(load.failures), "failure_samples": [f for f in load.failures if f]}


async def heartbeat(args: argparse.Namespace) -> None:
    load = Load(passwords(args.passwords))
    stations = await connect_all(load, args.port, args.stations, args.concurrency, args.timeout)
    emit("booted", booted=len(stations), **failures(load))
    if args.boot_calls:
        await settle_boot_calls(load, len(stations) * args.boot_calls, args.timeout)
    load.running = True
    load.beating = len(stations)
    for station in stations:
        station.beating = True
        assert station.transport is not None
        station.transport.send(WSMsgType.TEXT, HEARTBEAT)
    await asyncio.sleep(args.warmup)
    start_count, start_errors = load.round_trips, load.errors
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    emit("window-start")
    await asyncio.sleep(args.duration)
    count, errors, wall, cpu = load.round_trips, load.errors, time.perf_counter(), time.process_time()
    emit("window-end")
    load.running = False
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(load.drained.wait(), args.timeout)
    seconds = wall - start_wall
    emit(
        "result",
        stations=len(stations),
        round_trips=count - start_count,
        errors=errors - start_errors,
        seconds=seconds,
        rate=(count - start_count) / seconds,
        client_cpu=(cpu - start_cpu) / seconds,
        disconnected=load.disconnected,
        **failures(load),
    )
    await close_all(stations, args.timeout)


async def connect_all_raw(load: Load, port: int, count: int, concurrency: int, timeout: float) -> list[RawStation]:
    """As `connect_all`, with the minimal client of `bench.raw_client`."""
    next_index = iter(range(count))
    stations: list[RawStation] = []

    def lost() -> None:
        load.disconnected += 1
        if load.disconnected >= load.closing_target:
            load.all_closed.set()

    async def worker() -> None:
        for index in next_index:
            try:
                stations.append(await raw_connect_and_boot(port, index, timeout, lost, load.secret))
            except Exception as exc:
                if len(load.failures) < MAX_REPORTED_FAILURES:
                    load.failures.append(f"{identity(index)}: {type(exc).__name__}: {exc}")
                else:
                    load.failures.append("")

    await asyncio.gather(*(worker() for _ in range(min(concurrency, count))))
    return stations


async def hold(args: argparse.Namespace) -> None:
    load = Load(passwords(args.passwords))
    started, started_cpu = time.perf_counter(), time.process_time()
    stations = await connect_all_raw(load, args.port, args.stations, args.concurrency, args.timeout)
    seconds, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    emit("booted", booted=len(stations), seconds=seconds, client_cpu_seconds=cpu, **failures(load))
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(wait_for_close(), args.hold)
    emit("closing", still_connected=len(stations) - load.disconnected)
    load.closing_target = len(stations)
    if load.disconnected >= load.closing_target:
        load.all_closed.set()
    for station in stations:
        station.close()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(load.all_closed.wait(), args.timeout)


async def wait_for_close() -> None:
    """Return when the driver writes a line to (or closes) our stdin pipe; without a pipe, wait forever."""
    if not stat.S_ISFIFO(os.fstat(sys.stdin.fileno()).st_mode):
        await asyncio.Event().wait()
    reader = asyncio.StreamReader()
    await asyncio.get_running_loop().connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    await reader.readline()


async def run(args: argparse.Namespace) -> None:
    async with asyncio.timeout(args.deadline):
        await (heartbeat(args) if args.mode == "heartbeat" else hold(args))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["heartbeat", "hold"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--stations", type=int, required=True)
    parser.add_argument("--concurrency", type=int, default=200, help="connects+boots in flight")
    parser.add_argument("--warmup", type=float, default=1.0, help="heartbeat: seconds before the window")
    parser.add_argument(
        "--boot-calls", type=int, default=0, help="heartbeat: calls per station the server sends after a boot"
    )
    parser.add_argument("--duration", type=float, default=5.0, help="heartbeat: seconds counted")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds for one handshake or boot")
    parser.add_argument("--hold", type=float, default=120.0, help="hold: longest wait for `close` on stdin")
    parser.add_argument("--deadline", type=float, default=600.0, help="the whole client stops after this")
    parser.add_argument("--passwords", help="the stations' passwords, as bench.provision wrote them (else derived)")
    args = parser.parse_args()
    raise_nofile_limit()
    uvloop.run(run(args))


if __name__ == "__main__":
    main()
