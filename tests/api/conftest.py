"""Fixtures of the API tests: a node whose station listeners include TLS (security profiles 2 and 3)."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support import RunningNode, running_node, tls_settings


@pytest.fixture
async def tls_node(tmp_path: Path) -> AsyncIterator[RunningNode]:
    """A node that can serve every security profile (wss:// with client certificates, and ws://)."""
    async with running_node(tmp_path, **tls_settings(tmp_path)) as node:
        yield node
