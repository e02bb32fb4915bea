"""TLS for security profiles 2 and 3 (OCPP 1.6 Security Whitepaper §4, 2.0.1 A00.FR.3xx).

A CSMS must offer TLS_ECDHE_ECDSA_WITH_AES_128/256_GCM and TLS_RSA_WITH_AES_128/256_GCM (A00.FR.318).
Each pair needs a certificate of its own key type, so the listener takes a second certificate: give
an RSA and an ECDSA one, and OpenSSL presents whichever the negotiated suite needs.
"""

import ssl
from pathlib import Path

# The suites OCPP requires a CSMS to offer (TLS 1.2), plus ChaCha20 for stations without AES-NI.
# TLS 1.3 suites are always enabled by OpenSSL.
OCPP_CIPHERS = ":".join(
    (
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "ECDHE-RSA-CHACHA20-POLY1305",
        "AES128-GCM-SHA256",
        "AES256-GCM-SHA384",
    )
)


def server_context(
    cert_file: Path, key_file: Path, client_ca_file: Path | None, second: tuple[Path, Path] | None = None
) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.options |= ssl.OP_NO_COMPRESSION
    context.set_ciphers(OCPP_CIPHERS)
    context.load_cert_chain(cert_file, key_file)
    if second is not None:
        context.load_cert_chain(*second)
    if client_ca_file is not None:
        # Optional: profile 2 stations present none; a certificate that is presented must verify.
        context.load_verify_locations(client_ca_file)
        context.verify_mode = ssl.CERT_OPTIONAL
    return context
