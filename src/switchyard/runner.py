"""`switchyard serve`: the node, the API server, a banner, and a clean stop on SIGINT/SIGTERM."""

import asyncio
import contextlib
import gc
import signal
import socket
from collections.abc import Callable, Iterator

import uvicorn
from sqlalchemy.engine import make_url
from starlette.types import ASGIApp

from switchyard import __version__
from switchyard.api.app import create_app
from switchyard.errors import SwitchyardError
from switchyard.gateway.tls import server_context
from switchyard.node import Switchyard
from switchyard.settings import Settings

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StartupError(SwitchyardError):
    """Switchyard cannot start; the message says why, in one line."""


class _ApiServer(uvicorn.Server):
    """uvicorn without its own signal handling: the runner owns shutdown order."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def api_server(app: ASGIApp, host: str, port: int) -> uvicorn.Server:
    """The API's HTTP server, as `serve` runs it; start it with `serve(sockets=[...])`."""
    config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False, lifespan="off")
    return _ApiServer(config)


def _say(text: str) -> None:
    # stdout is block-buffered under a supervisor or a pipe: the banner (and its key) must not wait.
    print(text, flush=True)


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


def _listen(host: str, port: int, what: str) -> socket.socket:
    """A socket bound to host:port, or StartupError('<what> on host:port: <reason>')."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise StartupError(f"{what} on {host}:{port}: {exc.strerror or exc}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise StartupError(f"{what} on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def _check_station_listeners(settings: Settings) -> None:
    """Fail before the node touches the database (and makes the first key) if a station port is taken.

    The gateway binds its own sockets moments later; this catches the common case, a port in use
    or an unreadable certificate, while nothing has been created yet.
    """
    ports = [settings.ocpp_port]
    if settings.tls_cert_file and settings.tls_key_file:
        try:
            server_context(
                settings.tls_cert_file, settings.tls_key_file, settings.tls_client_ca_file, settings.tls_second()
            )
        except (OSError, ValueError) as exc:
            raise StartupError(f"the TLS certificate or key cannot be used: {exc}") from None
        ports.append(settings.ocpp_tls_port)
    for port in ports:
        if port:
            _listen(settings.host, port, "stations cannot connect").close()


def _settle_heap() -> None:
    """Take everything loaded at start-up out of the cyclic garbage collector's sight.

    Modules, compiled schemas and the app are ~100 MB of objects that live as long as the process;
    without this every full collection walks them again while thousands of stations connect. Each
    connection allocates a few hundred objects, so the default young-generation threshold (700)
    meant a collection every few connections; 50,000 keeps pauses short and makes them rare
    (about 6% of a connect storm's CPU, bench/FINDINGS.md).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


async def serve(settings: Settings, say: Callable[[str], None] = _say) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    # From the first moment: a signal during startup stops Switchyard once it is up, never half-way.
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    try:
        await _serve(settings, say, stop)
    finally:
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)


async def _serve(settings: Settings, say: Callable[[str], None], stop: asyncio.Event) -> None:
    api_socket = _listen(settings.host, settings.api_port, "the API cannot listen")
    try:
        _check_station_listeners(settings)
        sy = Switchyard(settings)
        try:
            first_key = await sy.start()
        except BaseException:
            with contextlib.suppress(Exception):
                await sy.stop()
            raise
    except BaseException:
        api_socket.close()
        raise
    api_port = api_socket.getsockname()[1]
    server = api_server(create_app(sy), settings.host, api_port)
    api = asyncio.create_task(server.serve(sockets=[api_socket]))
    try:
        while not server.started:
            if api.done():
                raise StartupError(f"the API could not start on {settings.host}:{settings.api_port}")
            await asyncio.sleep(0.02)
        _settle_heap()
        say(banner(settings, sy, api_port, first_key))
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({api, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception, SystemExit):
            await api
        api_socket.close()
        await sy.stop()
