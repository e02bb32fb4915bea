"""The baseline: a central system written the usual way with the `ocpp` library.

A `ocpp.v16.ChargePoint` subclass with `@on` handlers, served by `websockets` with default `ocpp`
settings (payload validation on) on a plain asyncio event loop, the identity taken from the path and
no authentication, as in the library's examples. Run as `python -m bench.baseline_server PORT`.

For the configuration benchmark it also reads commands on stdin: `change KEY VALUE` sends
ChangeConfiguration and then reads the key back (GetConfiguration) on every connected charge point
at once, the naive loop with nothing stored, and prints one JSON line with the time it took.
"""

import asyncio
import contextlib
import json
import signal
import sys
import time
from datetime import UTC, datetime

from ocpp.routing import on
from ocpp.v16 import ChargePoint as BaseChargePoint
from ocpp.v16 import call, call_result
from ocpp.v16.enums import Action, RegistrationStatus
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from bench.common import HOST, READY, SUBPROTOCOL, raise_nofile_limit

# Same listen backlog as Switchyard's gateway, so bursts of 200 connects are not dropped by the
# kernel (asyncio's default is 100); this only helps the baseline.
BACKLOG = 4096


class ChargePoint(BaseChargePoint):
    @on(Action.boot_notification)
    def on_boot_notification(self, charge_point_vendor: str, charge_point_model: str, **kwargs: object):
        return call_result.BootNotification(
            current_time=datetime.now(UTC).isoformat(), interval=300, status=RegistrationStatus.accepted
        )

    @on(Action.heartbeat)
    def on_heartbeat(self):
        return call_result.Heartbeat(current_time=datetime.now(UTC).isoformat())

    @on(Action.status_notification)
    def on_status_notification(self, **kwargs: object):
        return call_result.StatusNotification()

    async def change_and_read_back(self, key: str, value: str) -> bool:
        answer = await self.call(call.ChangeConfiguration(key=key, value=value))
        if answer.status != "Accepted":
            return False
        read = await self.call(call.GetConfiguration(key=[key]))
        return any(entry["key"] == key and entry.get("value") == value for entry in read.configuration_key or [])


CONNECTED: dict[str, ChargePoint] = {}


async def on_connect(websocket: ServerConnection) -> None:
    if websocket.subprotocol != SUBPROTOCOL:
        await websocket.close()
        return
    charge_point_id = websocket.request.path.rstrip("/").rsplit("/", 1)[-1]
    charge_point = ChargePoint(charge_point_id, websocket)
    CONNECTED[charge_point_id] = charge_point
    try:
        with contextlib.suppress(ConnectionClosed):
            await charge_point.start()
    finally:
        CONNECTED.pop(charge_point_id, None)


async def commands() -> None:
    """`change KEY VALUE` lines on stdin (EOF, as with /dev/null, ends the loop)."""
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := (await reader.readline()).decode().split():
        if line[0] == "change" and len(line) == 3:
            started = time.perf_counter()
            results = await asyncio.gather(
                *(cp.change_and_read_back(line[1], line[2]) for cp in list(CONNECTED.values())),
                return_exceptions=True,
            )
            seconds = time.perf_counter() - started
            print(
                json.dumps({"event": "changed", "seconds": seconds, "completed": sum(r is True for r in results)}),
                flush=True,
            )


async def run(port: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with serve(on_connect, HOST, port, subprotocols=[SUBPROTOCOL], backlog=BACKLOG):
        print(READY, port, flush=True)
        listening = asyncio.create_task(commands())
        await stop.wait()
        listening.cancel()


def main() -> None:
    raise_nofile_limit()
    asyncio.run(run(int(sys.argv[1])))


if __name__ == "__main__":
    main()
