"""The baseline: a central system written the usual way with the `ocpp` library.

A `ocpp.v16.ChargePoint` subclass with `@on` handlers, served by `websockets` with default `ocpp`
settings (payload validation on) on a plain asyncio event loop, the identity taken from the path and
no authentication, as in the library's examples. Run as `python -m bench.baseline_server PORT`.
"""

import asyncio
import contextlib
import signal
import sys
from datetime import UTC, datetime

from ocpp.routing import on
from ocpp.v16 import ChargePoint as BaseChargePoint
from ocpp.v16 import call_result
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


async def on_connect(websocket: ServerConnection) -> None:
    if websocket.subprotocol != SUBPROTOCOL:
        await websocket.close()
        return
    charge_point_id = websocket.request.path.rstrip("/").rsplit("/", 1)[-1]
    charge_point = ChargePoint(charge_point_id, websocket)
    with contextlib.suppress(ConnectionClosed):
        await charge_point.start()


async def run(port: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with serve(on_connect, HOST, port, subprotocols=[SUBPROTOCOL], backlog=BACKLOG):
        print(READY, port, flush=True)
        await stop.wait()


def main() -> None:
    raise_nofile_limit()
    asyncio.run(run(int(sys.argv[1])))


if __name__ == "__main__":
    main()
