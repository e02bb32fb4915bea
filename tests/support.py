"""Helpers shared by the tests: a running node on loopback, and raw OCPP stations."""

import base64
import json
import os
import ssl
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import trustme
import websockets
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import InvalidStatus

from switchyard.api.app import create_app
from switchyard.clock import Clock
from switchyard.node import Switchyard
from switchyard.settings import Settings

PASSWORD_16 = "0123456789abcdef0123456789abcdef"  # a 16-byte 1.6 AuthorizationKey, as hex
PASSWORD_201 = "correct-horse-battery-staple"


def node_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'switchyard.db'}",
        "host": "127.0.0.1",
        "api_port": 0,
        "ocpp_port": 0,
        "ocpp_tls_port": 0,
        "recorder_flush_interval": 0.01,
        "message_log": "all",
        # Raw-frame tests speak OCPP by hand and would not answer the read a boot triggers;
        # tests/configuration turns it on.
        "read_on_boot": False,
        # Table tests walk every route with one key; tests/api/test_rate_limits.py sets its own limits.
        "api_request_burst": 1_000_000,
    }
    values.update(overrides)
    return Settings(**values)


STOP_STEP_SECONDS = 15.0


@dataclass
class RunningNode:
    sy: Switchyard
    admin_key: str
    api: httpx.AsyncClient

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.sy.gateway.ws_port}/ocpp"

    @property
    def wss_url(self) -> str:
        return f"wss://127.0.0.1:{self.sy.gateway.wss_port}/ocpp"

    def auth(self, key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.admin_key}"}

    async def add_station(
        self,
        identity: str,
        ocpp_version: str = "1.6",
        security_profile: int = 1,
        password: str | None = None,
        key: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"identity": identity, "ocppVersion": ocpp_version, "securityProfile": security_profile}
        if security_profile in (1, 2):
            body["password"] = password or (PASSWORD_16 if ocpp_version == "1.6" else PASSWORD_201)
        body.update(extra)
        response = await self.api.post("/v1.1/chargestations", json=body, headers=self.auth(key))
        assert response.status_code == 201, response.text
        return response.json()["result"]  # type: ignore[no-any-return]

    async def flush(self) -> None:
        self.sy.gateway._flush_seen()
        await self.sy.recorder.flush()


# Set to a PostgreSQL URL (postgresql+asyncpg://user:password@127.0.0.1/postgres) to run the node
# tests on PostgreSQL: each node then gets a database of its own, dropped afterwards.
POSTGRES = os.environ.get("SWITCHYARD_TEST_POSTGRES")


@asynccontextmanager
async def _database_url(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    if not POSTGRES:
        yield {}
        return
    admin = make_url(POSTGRES)
    name = f"sy_test_{uuid.uuid4().hex[:12]}"
    engine = create_async_engine(admin, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield {"database_url": admin.set(database=name).render_as_string(hide_password=False)}
    finally:
        async with engine.connect() as connection:
            await connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        await engine.dispose()


@asynccontextmanager
async def running_node(tmp_path: Path, clock: Clock | None = None, **overrides: Any) -> AsyncIterator[RunningNode]:
    async with _database_url(tmp_path) as database:
        sy = Switchyard(node_settings(tmp_path, **{**database, **overrides}), clock)
        key = await sy.start()
        assert key is not None
        transport = httpx.ASGITransport(app=create_app(sy))
        async with httpx.AsyncClient(transport=transport, base_url="http://switchyard.test") as client:
            try:
                yield RunningNode(sy, key, client)
            finally:
                # Bounded well under the test timeout: a stuck service fails this test by name instead
                # of hanging the whole run.
                problems = await sy.stop(step_seconds=STOP_STEP_SECONDS)
            assert problems == [], f"the node did not stop cleanly: {problems}"


def basic(identity: str, password: str | bytes) -> dict[str, str]:
    raw = password if isinstance(password, bytes) else password.encode()
    return {"Authorization": "Basic " + base64.b64encode(identity.encode() + b":" + raw).decode()}


def subprotocol_for(version: str) -> str:
    return "ocpp1.6" if version == "1.6" else "ocpp2.0.1"


@asynccontextmanager
async def station(
    url: str,
    identity: str,
    password: str | bytes | None = None,
    version: str = "1.6",
    subprotocols: list[str] | None = None,
    **kwargs: Any,
) -> AsyncIterator[ClientConnection]:
    """A raw websocket station: the tests speak OCPP-J frames to it directly."""
    headers = basic(identity, password) if password is not None else {}
    from urllib.parse import quote

    async with websockets.connect(
        f"{url}/{quote(identity, safe='')}",
        subprotocols=subprotocols or [subprotocol_for(version)],  # type: ignore[arg-type]
        additional_headers=headers,
        open_timeout=5,
        **kwargs,
    ) as ws:
        yield ws


async def upgrade_status(
    url: str, headers: dict[str, str] | None = None, subprotocols: list[str] | None = None
) -> tuple[int, str]:
    """The HTTP status of a websocket upgrade (101 when it succeeded) and the refusal's body."""
    try:
        async with websockets.connect(
            url,
            subprotocols=subprotocols or ["ocpp1.6"],
            additional_headers=headers or {},
            open_timeout=5,  # type: ignore[arg-type]
        ):
            pass
    except InvalidStatus as exc:
        return exc.response.status_code, bytes(exc.response.body or b"").decode()
    return 101, ""


async def exchange(ws: ClientConnection, frame: Any) -> Any:
    await ws.send(frame if isinstance(frame, str | bytes) else json.dumps(frame))
    return json.loads(await ws.recv(decode=True))


BOOT_16 = {"chargePointVendor": "Acme", "chargePointModel": "Volt 22", "firmwareVersion": "1.2.3"}
BOOT_201 = {
    "reason": "PowerUp",
    "chargingStation": {"vendorName": "Acme", "model": "Volt 22", "firmwareVersion": "1.2.3"},
}


async def boot(ws: ClientConnection, version: str = "1.6") -> dict[str, Any]:
    payload = BOOT_16 if version == "1.6" else BOOT_201
    reply = await exchange(ws, [2, "boot-1", "BootNotification", payload])
    assert reply[0] == 3, reply
    return reply[2]  # type: ignore[no-any-return]


def tls_settings(folder: Path, ca: trustme.CA | None = None, client_ca: bool = True) -> dict[str, Any]:
    """Settings for a TLS station listener with a certificate from `ca` (a new test CA if not given) for
    127.0.0.1 and localhost, and that CA (written to `ca.pem`) for client certificates."""
    ca = ca or trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    server.cert_chain_pems[0].write_to_path(folder / "server.pem")
    server.private_key_pem.write_to_path(folder / "server.key")
    ca.cert_pem.write_to_path(folder / "ca.pem")
    settings: dict[str, Any] = {"tls_cert_file": folder / "server.pem", "tls_key_file": folder / "server.key"}
    if client_ca:
        settings["tls_client_ca_file"] = folder / "ca.pem"
    return settings


@dataclass
class Pki:
    """The CA that signed the node's server certificate and the stations' client certificates."""

    ca: trustme.CA

    def station_context(self, common_name: str | None = None, ca: trustme.CA | None = None) -> ssl.SSLContext:
        """What a station uses: it trusts our CA, checks the host name, and (profile 3) presents a
        client certificate with `common_name`, signed by `ca` (ours unless given)."""
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
        self.ca.configure_trust(context)
        if common_name is not None:
            (ca or self.ca).issue_cert(f"{common_name}.stations.test", common_name=common_name).configure_cert(context)
        return context
