from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from switchyard.api.app import create_app
from switchyard.node import Switchyard
from tests.support import POSTGRES, RunningNode, _database_url, node_settings, running_node
from tests.webhooks.helpers import FakeDns
from tests.webhooks.receiver import Receiver

# Retries in tens of milliseconds, so back-off and giving up fit in a test.
FAST: dict[str, Any] = {
    "webhook_retry_base": 0.05,
    "webhook_retry_max_delay": 0.2,
    "webhook_give_up_after": 60.0,
    "webhook_poll_interval": 0.2,
    "webhook_timeout": 2.0,
    # The receivers listen on loopback, which webhooks may reach only when the operator allows it.
    "webhook_allowed_networks": "127.0.0.1/32",
}


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    served = Receiver()
    await served.start()
    try:
        yield served
    finally:
        await served.stop()


def key_file(tmp_path: Path) -> dict[str, Any]:
    """On PostgreSQL the key file would default to the working directory; keep it in the test's folder."""
    return {"secret_key_file": tmp_path / "secret.key"} if POSTGRES else {}


@pytest.fixture
async def node(tmp_path: Path) -> AsyncIterator[RunningNode]:
    """A node whose webhooks may reach loopback, and whose resolver is a FakeDns (tests need no DNS)."""
    async with running_node(tmp_path, **FAST, **key_file(tmp_path)) as running:
        running.sy.webhooks.targets.resolver = FakeDns()
        yield running


@pytest.fixture
async def strict_node(tmp_path: Path) -> AsyncIterator[RunningNode]:
    """A node with no allow-list, as Switchyard starts by default, and a FakeDns."""
    async with running_node(tmp_path, **{**FAST, "webhook_allowed_networks": ""}, **key_file(tmp_path)) as running:
        running.sy.webhooks.targets.resolver = FakeDns()
        yield running


@asynccontextmanager
async def one_database(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    """Settings for nodes that use one database in turn (SQLite in tmp_path, or its own PostgreSQL database)."""
    async with _database_url(tmp_path) as database:
        yield {**FAST, **database, **key_file(tmp_path)}


@asynccontextmanager
async def started(tmp_path: Path, settings: dict[str, Any], admin_key: str = "") -> AsyncIterator[RunningNode]:
    """A node on `settings`, started and stopped like `switchyard serve`; a later node is given the first's key."""
    sy = Switchyard(node_settings(tmp_path, **settings))
    key = await sy.start()
    try:
        transport = httpx.ASGITransport(app=create_app(sy))
        async with httpx.AsyncClient(transport=transport, base_url="http://switchyard.test") as client:
            yield RunningNode(sy, key or admin_key, client)
    finally:
        await sy.stop()
