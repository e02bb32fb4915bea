from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support import RunningNode, running_node

# Migrations wait for stations in polls; a fast poll keeps the tests short.
FAST = {"migration_poll_seconds": 0.1, "boot_grace": 0.5, "call_timeout": 5.0}


@pytest.fixture
async def node(tmp_path: Path) -> AsyncIterator[RunningNode]:
    async with running_node(tmp_path / "a", **FAST) as running:
        yield running


@pytest.fixture
async def second(tmp_path: Path) -> AsyncIterator[RunningNode]:
    """Node B: the CSMS stations are moved to."""
    async with running_node(tmp_path / "b", **FAST) as running:
        yield running
