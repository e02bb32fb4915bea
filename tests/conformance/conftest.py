"""A node as an operator would run it for the OCTT: reading every station on boot, the operator's
baseline off (the cases choose the values they set), and, for the TLS cases, a TLS listener with a
server certificate and a CA for station client certificates."""

import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme

from tests.configuration.support import baseline
from tests.conformance.support import SETTINGS
from tests.support import RunningNode, running_node, tls_settings


@pytest.fixture
async def node(tmp_path: Path) -> AsyncIterator[RunningNode]:
    async with running_node(tmp_path, **SETTINGS) as running:
        await baseline(running, enabled=False)
        yield running


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


@pytest.fixture
def pki() -> Pki:
    return Pki(trustme.CA())


@pytest.fixture
async def tls_node(tmp_path: Path, pki: Pki) -> AsyncIterator[RunningNode]:
    async with running_node(tmp_path, **SETTINGS, **tls_settings(tmp_path, pki.ca)) as running:
        await baseline(running, enabled=False)
        yield running
