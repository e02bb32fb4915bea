"""The CA certificates a simulated 2.0.1 station trusts (OCPP 2.0.1 M05 InstallCertificate, M03
GetInstalledCertificateIds), kept with the station's state across restarts.

A certificate that is not one PEM X.509 certificate, or that says it is not a CA, is Rejected, as a
station checking what it installs would. Identified the OCSP way (RFC 6960 CertID): hashes of the
issuer's name and key, and the serial number, which is what the CSMS reads back to tell which
roots a station holds before it moves the station to a wss:// URL.
"""

from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509 import ocsp

Payload = dict[str, Any]

# InstallCertificateUseEnumType
INSTALLABLE = ("V2GRootCertificate", "MORootCertificate", "CSMSRootCertificate", "ManufacturerRootCertificate")
# What a station keeps at most per type: a hostile CSMS cannot fill its flash.
MAX_PER_TYPE = 10


class InstalledCertificates:
    def __init__(self) -> None:
        # certificate type -> PEM texts, oldest first
        self._pems: dict[str, list[str]] = {}

    def install(self, kind: str, pem: str) -> Payload:
        """The InstallCertificate answer; the certificate is kept when Accepted. (Reason codes are at
        most 20 characters: StatusInfoType.)"""
        if kind not in INSTALLABLE:
            return {"status": "Rejected", "statusInfo": {"reasonCode": "InvalidCertType"}}
        try:
            certificate = x509.load_pem_x509_certificate(pem.encode())
        except ValueError:
            return {"status": "Rejected", "statusInfo": {"reasonCode": "InvalidCertificate"}}
        try:
            is_ca = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        except x509.ExtensionNotFound:
            is_ca = True  # an old-style root without the extension
        if not is_ca:
            return {"status": "Rejected", "statusInfo": {"reasonCode": "NotCA"}}
        kept = self._pems.setdefault(kind, [])
        if pem in kept:
            return {"status": "Accepted"}
        if len(kept) >= MAX_PER_TYPE:
            return {"status": "Failed", "statusInfo": {"reasonCode": "CertificateStoreFull"}}
        kept.append(pem)
        return {"status": "Accepted"}

    def ids(self, kinds: list[str] | None) -> Payload:
        """The GetInstalledCertificateIds answer for `kinds` (None or empty: every type)."""
        chain = [
            {"certificateType": kind, "certificateHashData": _hash_data(pem)}
            for kind, pems in self._pems.items()
            if not kinds or kind in kinds
            for pem in pems
        ]
        if not chain:
            return {"status": "NotFound"}
        return {"status": "Accepted", "certificateHashDataChain": chain}

    def state(self) -> dict[str, list[str]]:
        return {kind: list(pems) for kind, pems in self._pems.items()}

    def restore(self, state: dict[str, list[str]]) -> None:
        self._pems = {kind: list(pems)[:MAX_PER_TYPE] for kind, pems in state.items() if kind in INSTALLABLE}


def _hash_data(pem: str) -> Payload:
    certificate = x509.load_pem_x509_certificate(pem.encode())
    # A root is its own issuer: the CertID of a self-signed certificate uses its own name and key.
    request = ocsp.OCSPRequestBuilder().add_certificate(certificate, certificate, hashes.SHA256()).build()
    return {
        "hashAlgorithm": "SHA256",
        "issuerNameHash": request.issuer_name_hash.hex(),
        "issuerKeyHash": request.issuer_key_hash.hex(),
        "serialNumber": format(request.serial_number, "x"),
    }
