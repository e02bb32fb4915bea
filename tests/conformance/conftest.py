"""A node as an operator would run it for the OCTT: reading every station on boot, the operator's
baseline off (the cases choose the values they set), and, for the TLS cases, a TLS listener with a
server certificate and a CA for station client certificates."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trustme

from tests.configuration.support import baseline
from tests.conformance.support import SETTINGS
from tests.support import Pki, RunningNode, running_node, tls_settings


@pytest.fixture
async def node(tmp_path: Path) -> AsyncIterator[RunningNode]:
    async with running_node(tmp_path, **SETTINGS) as running:
        await baseline(running, enabled=False)
        yield running


@pytest.fixture
def pki() -> Pki:
    return Pki(trustme.CA())


@pytest.fixture
async def tls_node(tmp_path: Path, pki: Pki) -> AsyncIterator[RunningNode]:
    async with running_node(tmp_path, **SETTINGS, **tls_settings(tmp_path, pki.ca)) as running:
        await baseline(running, enabled=False)
        yield running
