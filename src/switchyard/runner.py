"""`switchyard serve`: the node, the API server, a banner, and a clean stop on SIGINT/SIGTERM."""

import asyncio
import contextlib
import signal
from collections.abc import Callable, Iterator

import uvicorn
from sqlalchemy.engine import make_url

from switchyard import __version__
from switchyard.api.app import create_app
from switchyard.node import Switchyard
from switchyard.settings import Settings


class _ApiServer(uvicorn.Server):
    """uvicorn without its own signal handling: the runner owns shutdown order."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def banner(settings: Settings, sy: Switchyard, api_port: int, first_key: str | None) -> str:
    host = settings.host
    lines = [
        f"Switchyard {__version__} is running",
        f"  API             http://{host}:{api_port}   (docs: http://{host}:{api_port}/docs)",
        f"  Stations        ws://{host}:{sy.gateway.ws_port}{settings.ocpp_path_prefix}/{{identity}}",
    ]
    if sy.gateway.wss_port is not None:
        lines.append(f"  Stations (TLS)  wss://{host}:{sy.gateway.wss_port}{settings.ocpp_path_prefix}/{{identity}}")
    lines.append(f"  Database        {make_url(settings.database_url).render_as_string(hide_password=True)}")
    if first_key is not None:
        lines += [
            "",
            'First API key (scope admin, operator "default"). It is shown once; store it now:',
            f"  {first_key}",
            "",
            f"  curl -H 'Authorization: Bearer {first_key}' http://{host}:{api_port}/v1.1/chargestations",
        ]
    return "\n".join(lines)


async def serve(settings: Settings, say: Callable[[str], None] = print) -> None:
    sy = Switchyard(settings)
    first_key = await sy.start()
    server = _ApiServer(
        uvicorn.Config(
            create_app(sy),
            host=settings.host,
            port=settings.api_port,
            log_config=None,
            access_log=False,
            lifespan="off",
        )
    )
    api = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if api.done():
                raise SystemExit(f"the API could not listen on {settings.host}:{settings.api_port}")
            await asyncio.sleep(0.02)
        api_port = server.servers[0].sockets[0].getsockname()[1]
        say(banner(settings, sy, api_port, first_key))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({api, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception, SystemExit):
            await api
        await sy.stop()
