"""A simulated 2.0.1 station's trust store: InstallCertificate (M05) and GetInstalledCertificateIds
(M03), through the station adapter as migration's preflight will use them, kept across a restart."""

from pathlib import Path

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from switchyard.domain import CaCertificate, CertificateKind, ProvisionStatus, StationRef
from switchyard.sim.certificates import MAX_PER_TYPE, InstalledCertificates
from switchyard.sim.station import SimulatedStation
from tests.sim.support import booted_station, register, spec_for, station_id
from tests.support import RunningNode


def _root_pem() -> str:
    return trustme.CA().cert_pem.bytes().decode()


def _leaf_pem() -> str:
    ca = trustme.CA()
    return ca.issue_cert("station.example").cert_chain_pems[0].bytes().decode()


NOT_A_CERTIFICATE = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"


def _key_bits_sha256(certificate: x509.Certificate) -> str:
    key = certificate.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        bits = key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    else:
        assert isinstance(key, rsa.RSAPublicKey)
        bits = key.public_bytes(Encoding.DER, PublicFormat.PKCS1)
    digest = hashes.Hash(hashes.SHA256())
    digest.update(bits)
    return digest.finalize().hex()


async def _ref(node: RunningNode, identity: str) -> StationRef:
    return StationRef(await station_id(node, identity), identity, "2.0.1")


async def test_an_installed_root_is_listed_with_its_ocsp_ids(node: RunningNode) -> None:
    pem = _root_pem()
    async with booted_station(node, "CERT-1", "2.0.1"):
        call = node.sy.link.call
        assert await call("CERT-1", "GetInstalledCertificateIds", {}) == {"status": "NotFound"}
        root = CaCertificate(CertificateKind.CSMS_ROOT, pem)
        result = await node.sy.control.install_ca_certificate(await _ref(node, "CERT-1"), root, 5)
        assert result.status is ProvisionStatus.ACCEPTED
        listed = await call("CERT-1", "GetInstalledCertificateIds", {"certificateType": ["CSMSRootCertificate"]})
        other = await call("CERT-1", "GetInstalledCertificateIds", {"certificateType": ["V2GRootCertificate"]})
    certificate = x509.load_pem_x509_certificate(pem.encode())
    assert listed["status"] == "Accepted"
    ((entry),) = listed["certificateHashDataChain"]
    assert entry["certificateType"] == "CSMSRootCertificate"
    data = entry["certificateHashData"]
    assert data["hashAlgorithm"] == "SHA256"
    assert data["serialNumber"] == format(certificate.serial_number, "x")
    name_hash = hashes.Hash(hashes.SHA256())
    name_hash.update(certificate.subject.public_bytes())
    assert data["issuerNameHash"] == name_hash.finalize().hex()
    # RFC 6960: the key hash covers the subjectPublicKey's bits, not the whole SubjectPublicKeyInfo.
    assert data["issuerKeyHash"] == _key_bits_sha256(certificate)
    assert other == {"status": "NotFound"}


async def test_what_a_station_will_not_install_is_rejected_with_the_reason(node: RunningNode) -> None:
    async with booted_station(node, "CERT-2", "2.0.1"):
        call = node.sy.link.call
        cases = [
            ("CSMSRootCertificate", _leaf_pem(), "NotCA"),
            ("CSMSRootCertificate", NOT_A_CERTIFICATE, "InvalidCertificate"),
        ]
        for kind, pem, reason in cases:
            answer = await call("CERT-2", "InstallCertificate", {"certificateType": kind, "certificate": pem})
            assert answer == {"status": "Rejected", "statusInfo": {"reasonCode": reason}}
        assert await call("CERT-2", "GetInstalledCertificateIds", {}) == {"status": "NotFound"}
    # A type outside the schema never leaves Switchyard; the station refuses it all the same.
    refused = InstalledCertificates().install("SomeOtherCertificate", _root_pem())
    assert refused == {"status": "Rejected", "statusInfo": {"reasonCode": "InvalidCertType"}}


def test_a_station_keeps_at_most_ten_roots_per_type() -> None:
    store = InstalledCertificates()
    for _ in range(MAX_PER_TYPE):
        assert store.install("CSMSRootCertificate", _root_pem()) == {"status": "Accepted"}
    full = store.install("CSMSRootCertificate", _root_pem())
    assert full == {"status": "Failed", "statusInfo": {"reasonCode": "CertificateStoreFull"}}
    assert len(store.ids(None)["certificateHashDataChain"]) == MAX_PER_TYPE


async def test_installed_roots_survive_a_restart(node: RunningNode, tmp_path: Path) -> None:
    spec = spec_for(node, "CERT-3", "2.0.1", tmp_path)
    await register(node, spec)
    pem = _root_pem()
    async with SimulatedStation(spec) as station:
        await station.wait_booted()
        install = {"certificateType": "ManufacturerRootCertificate", "certificate": pem}
        assert await node.sy.link.call("CERT-3", "InstallCertificate", install) == {"status": "Accepted"}
        # The same root twice is kept once.
        assert await node.sy.link.call("CERT-3", "InstallCertificate", install) == {"status": "Accepted"}
    async with SimulatedStation(spec) as again:
        await again.wait_booted()
        listed = await node.sy.link.call("CERT-3", "GetInstalledCertificateIds", {})
    assert [entry["certificateType"] for entry in listed["certificateHashDataChain"]] == ["ManufacturerRootCertificate"]
