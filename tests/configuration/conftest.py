from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.configuration.support import SETTINGS, baseline
from tests.support import RunningNode, running_node


@pytest.fixture
async def node(tmp_path: Path) -> AsyncIterator[RunningNode]:
    """A node that reads each station's configuration on boot, with the baseline off (tests that
    need it turn it on), so any key can be changed."""
    async with running_node(tmp_path, **SETTINGS) as running:
        await baseline(running, enabled=False)
        yield running
