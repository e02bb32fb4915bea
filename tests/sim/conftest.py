from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support import RunningNode, running_node


@pytest.fixture
async def second(tmp_path: Path) -> AsyncIterator[RunningNode]:
    """A second node: the CSMS a migration moves stations to."""
    async with running_node(tmp_path / "second") as node:
        yield node
