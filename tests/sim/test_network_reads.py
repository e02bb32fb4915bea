"""The network picture and the installed CA certificates, read through the station adapters from
simulated stations, before and after the writes a migration makes. The simulated firmware of both
versions keeps reporting the priority in use until a reset applies the new one (seed 000, step 2), so
before the reset only a 1.6 slot's new URL shows."""

from pathlib import Path

import trustme
from cryptography import x509

from switchyard.domain import (
    CaCertificate,
    CertificateKind,
    NetworkInterface,
    NetworkProfile,
    ProfileProtocol,
    ProvisionStatus,
    ResetKind,
    StationRef,
)
from switchyard.sim.station import SimulatedStation
from switchyard.station_network import NetworkPicture
from tests.sim.support import booted_station, register, spec_for, station_id
from tests.support import RunningNode, running_node

NEW_URL = "ws://csms-2.example.com/ocpp"


async def _ref(node: RunningNode, identity: str, version: str) -> StationRef:
    return StationRef(await station_id(node, identity), identity, version)


async def test_16_picture_of_the_seed_000_keys_before_and_after_the_writes(node: RunningNode) -> None:
    control = node.sy.control
    async with booted_station(node, "NET-16", "1.6"):
        ref = await _ref(node, "NET-16", "1.6")
        before = await control.read_network(ref, 5)
        profile = NetworkProfile(NEW_URL, ProfileProtocol.OCPP16, 1, NetworkInterface.WIRED0)
        assert (await control.set_network_profile(ref, 2, profile, 5)).status is ProvisionStatus.ACCEPTED
        assert (await control.set_connection_priority(ref, [2, 1], 5)).status is ProvisionStatus.REBOOT_REQUIRED
        after = await control.read_network(ref, 5)
        # The simulated 1.6 station has no Security Whitepaper messages.
        assert await control.installed_ca_certificates(ref, CertificateKind.CSMS_ROOT, 5) is None
    assert before == NetworkPicture(
        slots={1: node.ws_url, 2: ""},
        priority=(1, 2),
        security_profile=1,
        connection_timeout=30,
        values={
            "NetworkConnectionProfile1": node.ws_url,
            "NetworkConnectionProfile2": "",
            "NetworkConfigurationPriority": "NetworkConnectionProfile1,NetworkConnectionProfile2",
            "NetworkProfileConnectionTimeoutSec": "30",
            "SecurityProfile": "1",
        },
    )
    assert (after.slots, after.priority, after.first, after.missing) == ({1: node.ws_url, 2: NEW_URL}, (1, 2), 1, ())
    assert after.values["NetworkConnectionProfile2"] == NEW_URL


async def test_201_picture_of_the_priority_and_the_active_slot_before_and_after_the_move(
    node: RunningNode, tmp_path: Path
) -> None:
    spec = spec_for(node, "NET-201", "2.0.1", tmp_path)
    await register(node, spec)
    async with running_node(tmp_path / "second") as second:
        await register(second, spec)
        async with SimulatedStation(spec) as station:
            await station.wait_booted()
            control = node.sy.control
            ref = await _ref(node, "NET-201", "2.0.1")
            before = await control.read_network(ref, 5)
            profile = NetworkProfile(second.ws_url, ProfileProtocol.OCPP20, 1, NetworkInterface.WIRED0)
            assert (await control.set_network_profile(ref, 2, profile, 5)).status is ProvisionStatus.ACCEPTED
            priority = await control.set_connection_priority(ref, [2, 1], 5)
            assert priority.status is ProvisionStatus.REBOOT_REQUIRED
            pending = await control.read_network(ref, 5)
            assert (await control.reset(ref, ResetKind.SOFT, 5)).accepted
            await station.wait_for(lambda: len(station.boots) == 2)
            moved = await second.sy.control.read_network(await _ref(second, "NET-201", "2.0.1"), 5)
    assert before == NetworkPicture(
        slots={},
        priority=(1,),
        active_slot=1,
        security_profile=1,
        connection_attempts=3,
        values={
            "OCPPCommCtrlr.NetworkConfigurationPriority": "1",
            "OCPPCommCtrlr.ActiveNetworkProfile": "1",
            "OCPPCommCtrlr.NetworkProfileConnectionAttempts": "3",
            "SecurityCtrlr.SecurityProfile": "1",
        },
    )
    # 2.0.1 slots cannot be read back: the new profile in slot 2 does not show either.
    assert pending == before
    assert (moved.priority, moved.active_slot, moved.first, moved.missing) == ((2, 1), 2, 2, ())


async def test_201_installed_roots_are_listed_by_kind(node: RunningNode) -> None:
    pem = trustme.CA().cert_pem.bytes().decode()
    control = node.sy.control
    async with booted_station(node, "NET-CERT", "2.0.1"):
        ref = await _ref(node, "NET-CERT", "2.0.1")
        assert await control.installed_ca_certificates(ref, CertificateKind.CSMS_ROOT, 5) == []
        root = CaCertificate(CertificateKind.CSMS_ROOT, pem)
        assert (await control.install_ca_certificate(ref, root, 5)).status is ProvisionStatus.ACCEPTED
        csms_roots = await control.installed_ca_certificates(ref, CertificateKind.CSMS_ROOT, 5)
        manufacturer_roots = await control.installed_ca_certificates(ref, CertificateKind.MANUFACTURER_ROOT, 5)
    assert csms_roots is not None
    ((installed),) = csms_roots
    serial = x509.load_pem_x509_certificate(pem.encode()).serial_number
    assert (installed.certificate_type, installed.hash_algorithm) == ("CSMSRootCertificate", "SHA256")
    assert installed.serial_number == format(serial, "x")
    assert len(installed.issuer_name_hash) == len(installed.issuer_key_hash) == 64
    assert manufacturer_roots == []
