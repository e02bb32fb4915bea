"""The TLS 1.2 cipher suites the TLS cases also check (TC_086_CSMS, TC_087_CSMS, TC_A_04_CSMS,
TC_A_07_CSMS; OCPP 2.0.1 A00.FR.318, 1.6 Security Whitepaper): the CSMS must offer all four."""

import asyncio
import ssl
from pathlib import Path

import pytest
import trustme

from tests.conformance.support import SETTINGS
from tests.support import running_node

REQUIRED_SUITES = (
    "ECDHE-ECDSA-AES128-GCM-SHA256",  # TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    "ECDHE-ECDSA-AES256-GCM-SHA384",  # TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
    "AES128-GCM-SHA256",  # TLS_RSA_WITH_AES_128_GCM_SHA256
    "AES256-GCM-SHA384",  # TLS_RSA_WITH_AES_256_GCM_SHA384
)


async def _negotiated(port: int, ca: trustme.CA, suite: str) -> str | None:
    """The suite a TLS 1.2 station offering only `suite` ends up with (None: the handshake failed)."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    ca.configure_trust(context)
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(suite)
    try:
        async with asyncio.timeout(5):
            _, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context, server_hostname="localhost")
    except (ssl.SSLError, ConnectionResetError):
        return None
    cipher = writer.get_extra_info("ssl_object").cipher()
    writer.close()
    return str(cipher[0])


async def test_TC_A_04_and_TC_086_tls_1_2_offers_the_four_required_cipher_suites(tmp_path: Path) -> None:
    """TC_A_04/TC_A_07 (2.0.1) and TC_086/TC_087 (1.6) check, while the station completes its TLS
    handshake, that the CSMS supports TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, TLS_RSA_WITH_AES_128_GCM_SHA256 and
    TLS_RSA_WITH_AES_256_GCM_SHA384 on TLS 1.2. A station offering only one of them must get a
    handshake with that one, for each of the four, from one node.

    Regression: a node took one server certificate, and each pair of suites needs a certificate of its
    own key type, so two of the four were never offered. It takes an ECDSA and an RSA one now."""
    ca = trustme.CA()
    for name, key_type in (("ecdsa", trustme.KeyType.ECDSA), ("rsa", trustme.KeyType.RSA)):
        server = ca.issue_cert("127.0.0.1", "localhost", key_type=key_type)
        server.cert_chain_pems[0].write_to_path(tmp_path / f"{name}.pem")
        server.private_key_pem.write_to_path(tmp_path / f"{name}.key")
    async with running_node(
        tmp_path,
        **SETTINGS,
        tls_cert_file=tmp_path / "ecdsa.pem",
        tls_key_file=tmp_path / "ecdsa.key",
        tls_second_cert_file=tmp_path / "rsa.pem",
        tls_second_key_file=tmp_path / "rsa.key",
    ) as node:
        port = node.sy.gateway.wss_port
        assert port is not None
        negotiated = {suite: await _negotiated(port, ca, suite) for suite in REQUIRED_SUITES}
    assert negotiated == {suite: suite for suite in REQUIRED_SUITES}


@pytest.mark.parametrize("key_type", [trustme.KeyType.ECDSA, trustme.KeyType.RSA], ids=["ecdsa", "rsa"])
async def test_one_certificate_offers_only_the_suites_of_its_key_type(
    tmp_path: Path, key_type: trustme.KeyType
) -> None:
    """Why the second certificate is needed: with one, two of the four required suites fail."""
    ca = trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost", key_type=key_type)
    server.cert_chain_pems[0].write_to_path(tmp_path / "server.pem")
    server.private_key_pem.write_to_path(tmp_path / "server.key")
    async with running_node(
        tmp_path, **SETTINGS, tls_cert_file=tmp_path / "server.pem", tls_key_file=tmp_path / "server.key"
    ) as node:
        port = node.sy.gateway.wss_port
        assert port is not None
        negotiated = {suite: await _negotiated(port, ca, suite) for suite in REQUIRED_SUITES}
    offered = {suite for suite, got in negotiated.items() if got == suite}
    assert len(offered) == 2
    assert all(("ECDSA" in suite) == (key_type is trustme.KeyType.ECDSA) for suite in offered)
