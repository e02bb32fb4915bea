"""Whether a root certificate is among those a station lists (GetInstalledCertificateIds).

Stations identify certificates the OCSP way (RFC 6960 CertID): hashes of the issuer's name and public
key, and the serial number. A root is its own issuer, so its CertID is computed from itself, with the
hash algorithm each listed entry names.
"""

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509 import ocsp

from switchyard.errors import InvalidInput
from switchyard.station_network import InstalledCertificate

_ALGORITHMS: dict[str, hashes.HashAlgorithm] = {
    "SHA256": hashes.SHA256(),
    "SHA384": hashes.SHA384(),
    "SHA512": hashes.SHA512(),
}


def load_root(pem: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(pem.encode())
    except ValueError as exc:
        raise InvalidInput(f"caCertificate is not a PEM X.509 certificate: {exc}") from None


def matches_installed(pem: str, installed: list[InstalledCertificate]) -> bool:
    root = load_root(pem)
    for entry in installed:
        algorithm = _ALGORITHMS.get(entry.hash_algorithm.upper())
        if algorithm is None:
            continue
        request = ocsp.OCSPRequestBuilder().add_certificate(root, root, algorithm).build()
        if (
            request.issuer_name_hash.hex() == entry.issuer_name_hash.lower()
            and request.issuer_key_hash.hex() == entry.issuer_key_hash.lower()
            and request.serial_number == _serial(entry.serial_number)
        ):
            return True
    return False


def _serial(text: str) -> int | None:
    try:
        return int(text, 16)
    except ValueError:
        return None
