"""`switchyard serve` as a real process: banner, API, and a clean stop on a signal."""

import asyncio
import contextlib
import itertools
import os
import re
import signal
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import websockets

from tests.support import PASSWORD_16, basic

STARTUP = 30.0  # a cold interpreter on a busy machine
STOP = 10.0
KEY = re.compile(r"^  (sy_[0-9a-f]{24}_[A-Za-z0-9_\-]{20,})$", re.MULTILINE)

pytestmark = pytest.mark.slow
_runs = itertools.count()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def script() -> Path:
    path = Path(sys.executable).with_name("switchyard")
    assert path.exists(), "pip install -e . puts the console script next to the interpreter"
    return path


@dataclass
class Served:
    process: asyncio.subprocess.Process
    banner: str
    stderr: Path

    @property
    def api(self) -> str:
        found = re.search(r"API\s+(http://\S+)", self.banner)
        assert found, self.banner
        return found.group(1)

    @property
    def key(self) -> str | None:
        found = KEY.search(self.banner)
        return found.group(1) if found else None

    async def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        self.process.send_signal(sig)
        return await asyncio.wait_for(self.process.wait(), STOP)


def environment(tmp_path: Path, **values: str) -> dict[str, str]:
    env = dict(os.environ)
    # Production pipes are block-buffered: the banner must be flushed by Switchyard itself.
    env.pop("PYTHONUNBUFFERED", None)
    env.update(
        {
            "SWITCHYARD_HOST": "127.0.0.1",
            "SWITCHYARD_API_PORT": str(free_port()),
            "SWITCHYARD_OCPP_PORT": str(free_port()),
            "SWITCHYARD_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'served.db'}",
            "SWITCHYARD_RECORDER_FLUSH_INTERVAL": "0.01",
        }
    )
    env.update(values)
    return env


@contextlib.asynccontextmanager
async def serving(tmp_path: Path, env: dict[str, str], until: str = "curl ") -> AsyncIterator[Served]:
    """Start `switchyard serve`; yield once stdout shows a line containing `until` (the end of the banner)."""
    stderr = tmp_path / f"stderr-{next(_runs)}.txt"
    with stderr.open("wb") as errors:
        process = await asyncio.create_subprocess_exec(
            str(script()), "serve", env=env, stdout=asyncio.subprocess.PIPE, stderr=errors
        )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        async with asyncio.timeout(STARTUP):
            while not lines or until not in lines[-1]:
                line = await process.stdout.readline()
                assert line, f"serve exited before its banner: {lines} / {stderr.read_text()}"
                lines.append(line.decode())
        yield Served(process, "".join(lines), stderr)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_serve_prints_a_banner_answers_and_stops_cleanly(tmp_path: Path) -> None:
    env = environment(tmp_path)
    async with serving(tmp_path, env) as served:
        assert served.banner.startswith("Switchyard ")
        assert served.api == f"http://127.0.0.1:{env['SWITCHYARD_API_PORT']}"
        assert f"ws://127.0.0.1:{env['SWITCHYARD_OCPP_PORT']}/ocpp/{{identity}}" in served.banner
        key = served.key
        assert key is not None, served.banner
        async with httpx.AsyncClient(base_url=served.api, timeout=10) as client:
            health = await client.get("/healthz")
            assert health.status_code == 200
            assert health.json()["gateway"] is True
            auth = {"Authorization": f"Bearer {key}"}
            stations = await client.get("/v1.1/chargestations", headers=auth)
            assert stations.status_code == 200
            assert stations.json() == {"ok": True, "message": "", "result": []}
            refused = await client.get("/v1.1/chargestations", headers={"Authorization": "Bearer sy_nope"})
            assert refused.status_code == 401
            body = {"identity": "CP-1", "ocppVersion": "1.6", "securityProfile": 1, "password": PASSWORD_16}
            assert (await client.post("/v1.1/chargestations", json=body, headers=auth)).status_code == 201
        # A connected station does not hold the stop up; it is told the central system is going away.
        url = f"ws://127.0.0.1:{env['SWITCHYARD_OCPP_PORT']}/ocpp/CP-1"
        async with websockets.connect(
            url, subprotocols=["ocpp1.6"], additional_headers=basic("CP-1", PASSWORD_16), open_timeout=10
        ) as ws:
            assert await served.stop(signal.SIGTERM) == 0
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), STOP)
        errors = served.stderr.read_text()
        assert "Traceback" not in errors, errors
        assert key not in errors

    # Restarted on the same database (new ports): no new first key, the old one and the data are there.
    env = environment(tmp_path)
    async with serving(tmp_path, env, until="Database") as served:
        assert served.key is None, "the first key is shown on the first start only"
        async with httpx.AsyncClient(base_url=served.api, timeout=10) as client:
            response = await client.get("/v1.1/chargestations", headers={"Authorization": f"Bearer {key}"})
            assert [s["identity"] for s in response.json()["result"]] == ["CP-1"]
        assert await served.stop(signal.SIGINT) == 0  # Ctrl-C
        assert "Traceback" not in served.stderr.read_text()


async def _fails_to_start(env: dict[str, str]) -> str:
    process = await asyncio.create_subprocess_exec(
        str(script()), "serve", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), STARTUP)
    assert process.returncode == 1, (out, err)
    assert out == b""
    assert b"Traceback" not in err
    return err.decode().strip().splitlines()[-1]


async def test_a_busy_port_is_a_one_line_error_and_the_first_key_is_not_lost(tmp_path: Path) -> None:
    with socket.socket() as api, socket.socket() as ocpp:
        for taken in (api, ocpp):
            taken.bind(("127.0.0.1", 0))
            taken.listen()
        api_port, ocpp_port = api.getsockname()[1], ocpp.getsockname()[1]
        api_busy, ocpp_busy = await asyncio.gather(
            _fails_to_start(environment(tmp_path, SWITCHYARD_API_PORT=str(api_port))),
            _fails_to_start(environment(tmp_path, SWITCHYARD_OCPP_PORT=str(ocpp_port))),
        )
    assert api_busy.startswith(f"error: the API cannot listen on 127.0.0.1:{api_port}: "), api_busy
    assert ocpp_busy.startswith(f"error: stations cannot connect on 127.0.0.1:{ocpp_port}: "), ocpp_busy
    # Nothing was bootstrapped in vain: the next start shows the first key. And a signal the moment
    # the banner appears still stops it cleanly.
    async with serving(tmp_path, environment(tmp_path), until="is running") as served:
        assert await served.stop() == 0
        assert served.process.stdout is not None
        rest = (await served.process.stdout.read()).decode()
        assert KEY.search(rest), rest
        assert "Traceback" not in served.stderr.read_text()
