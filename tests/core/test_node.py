"""Starting a node: migrations, the first API key, and what a failed start leaves behind."""

import socket
from pathlib import Path

import pytest
from sqlalchemy import func, select

from switchyard.node import Switchyard
from switchyard.store.tables import ApiKey
from tests.support import node_settings


async def _keys(sy: Switchyard) -> int:
    async with sy.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(ApiKey)) or 0)


async def test_first_start_shows_one_key_and_later_starts_none(tmp_path: Path) -> None:
    first = Switchyard(node_settings(tmp_path))
    key = await first.start()
    assert key is not None
    assert key.startswith("sy_")
    await first.stop()
    again = Switchyard(node_settings(tmp_path))
    assert await again.start() is None
    assert await _keys(again) == 1
    await again.stop()


async def test_a_start_that_cannot_listen_creates_no_key_that_nobody_sees(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        failing = Switchyard(node_settings(tmp_path, ocpp_port=port))
        with pytest.raises(OSError, match="address already in use"):
            await failing.start()
        assert await _keys(failing) == 0
        await failing.stop()
    working = Switchyard(node_settings(tmp_path))
    key = await working.start()
    assert key is not None, "the key is created, and shown, by the first start that succeeds"
    await working.stop()
