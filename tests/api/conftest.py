"""Fixtures of the API tests: a node whose station listeners include TLS (security profiles 2 and 3)."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from tests.support import RunningNode, running_node


def tls_settings(folder: Path, client_ca: bool = True) -> dict[str, Any]:
    """Settings for a TLS station listener with a test CA's certificate (and that CA for client certificates)."""
    ca = trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    server.cert_chain_pems[0].write_to_path(folder / "server.pem")
    server.private_key_pem.write_to_path(folder / "server.key")
    settings: dict[str, Any] = {"tls_cert_file": folder / "server.pem", "tls_key_file": folder / "server.key"}
    if client_ca:
        ca.cert_pem.write_to_path(folder / "clients-ca.pem")
        settings["tls_client_ca_file"] = folder / "clients-ca.pem"
    return settings


@pytest.fixture
async def tls_node(tmp_path: Path) -> AsyncIterator[RunningNode]:
    """A node that can serve every security profile (wss:// with client certificates, and ws://)."""
    async with running_node(tmp_path, **tls_settings(tmp_path)) as node:
        yield node
