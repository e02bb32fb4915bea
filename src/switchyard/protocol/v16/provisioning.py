"""OCPP 1.6 provisioning: network profiles, the connection priority, CA certificates and the Basic-auth
password, as 1.6 calls (the provisioning operations of `ports.StationControl`).

OCPP 1.6 has no SetNetworkProfile and no standard key for the CSMS URL. Network profiles follow the
vendor convention of seed 000 (in the catalogue, `standard=False`): `NetworkConnectionProfile1` and
`NetworkConnectionProfile2` each hold one CSMS URL, and `NetworkConfigurationPriority` lists those key
names, first tried first. So:

- `set_network_profile` writes the profile's URL into its slot's key with ChangeConfiguration. A slot
  key holds a URL and nothing else: a profile asking for another OCPP version than 1.6, for SOAP, an APN
  or a VPN cannot be said, so it is `not_supported` and nothing is sent. The interface is the station's
  own; the message timeout (`MessageTimeout`, errata v4.0) and the security profile (`SecurityProfile`,
  Security Whitepaper) are station-wide keys, not part of a slot, and are not sent here: changing
  `SecurityProfile` makes the station reconnect at once, which is a step of its own. The URL's scheme
  is still checked against the profile's security profile.
- `set_connection_priority` writes `NetworkConfigurationPriority` (stations usually answer
  RebootRequired: the order applies after a reset).
- `install_ca_certificate` is the Security Whitepaper's InstallCertificate; a station without the
  security extension answers with a CALLERROR NotImplemented or NotSupported: `not_supported`.
- `set_basic_auth_password` writes `AuthorizationKey` (16 to 20 bytes as 32 to 40 hex digits).
- `installed_ca_certificates` is the Security Whitepaper's GetInstalledCertificateIds (its schema ships
  with the `ocpp` package's 1.6 schemas); its answer names no type per certificate, so each carries
  the type asked for. A station without the security extension: None.

ChangeConfiguration's NotSupported means the key is unknown to the station (it lacks the vendor keys):
`not_supported`, not `rejected`.
"""

from collections.abc import Sequence

from switchyard.domain import (
    CaCertificate,
    CertificateKind,
    NetworkProfile,
    ProfileProtocol,
    ProfileTransport,
    ProvisionResult,
    ProvisionStatus,
    StationPassword,
    StationRef,
)
from switchyard.errors import InvalidRequest
from switchyard.ports import StationLink
from switchyard.protocol.catalogue import NETWORK_SLOTS_16
from switchyard.protocol.network_reads import certificate_ids, installed
from switchyard.protocol.provisioning import (
    AUTHORIZATION_KEY,
    ask,
    check_password,
    check_profile,
    check_slots,
    install_certificate,
    not_sent,
)
from switchyard.station_network import InstalledCertificate

PRIORITY_KEY = "NetworkConfigurationPriority"
SLOT_KEY_PREFIX = "NetworkConnectionProfile"

_CHANGE_STATUS = {
    "Accepted": ProvisionStatus.ACCEPTED,
    "RebootRequired": ProvisionStatus.REBOOT_REQUIRED,
    "Rejected": ProvisionStatus.REJECTED,
    "NotSupported": ProvisionStatus.NOT_SUPPORTED,
}
_CERTIFICATE_TYPE = {
    CertificateKind.CSMS_ROOT: "CentralSystemRootCertificate",
    CertificateKind.MANUFACTURER_ROOT: "ManufacturerRootCertificate",
}


class Provisioning16:
    _link: StationLink

    async def set_network_profile(
        self, station: StationRef, slot: int, profile: NetworkProfile, timeout: float
    ) -> ProvisionResult:
        key = _slot_key(slot)
        check_profile(profile, station.identity)
        unsaid = _unsaid(profile)
        if unsaid is not None:
            return not_sent(f"an OCPP 1.6 network slot holds a CSMS URL only; it cannot say {unsaid}")
        return await self._change(station, key, profile.csms_url, timeout)

    async def set_connection_priority(
        self, station: StationRef, slots: Sequence[int], timeout: float
    ) -> ProvisionResult:
        check_slots(slots, lowest=1)
        value = ",".join(_slot_key(slot) for slot in slots)
        return await self._change(station, PRIORITY_KEY, value, timeout)

    async def install_ca_certificate(
        self, station: StationRef, certificate: CaCertificate, timeout: float
    ) -> ProvisionResult:
        certificate_type = _CERTIFICATE_TYPE[certificate.kind]
        return await install_certificate(self._link, station, certificate, certificate_type, timeout)

    async def set_basic_auth_password(
        self, station: StationRef, password: StationPassword, timeout: float
    ) -> ProvisionResult:
        check_password(password.value, "1.6")
        return await self._change(station, AUTHORIZATION_KEY, password.value, timeout)

    async def installed_ca_certificates(
        self, station: StationRef, kind: CertificateKind, timeout: float
    ) -> list[InstalledCertificate] | None:
        certificate_type = _CERTIFICATE_TYPE[kind]
        answer = await certificate_ids(self._link, station, {"certificateType": certificate_type}, timeout)
        if answer is None:
            return None
        # NotFound comes without certificateHashData.
        return [installed(certificate_type, data) for data in answer.get("certificateHashData", [])]

    async def _change(self, station: StationRef, key: str, value: str, timeout: float) -> ProvisionResult:
        payload = {"key": key, "value": value}
        return await ask(self._link, station, "ChangeConfiguration", payload, timeout, _CHANGE_STATUS)


def _slot_key(slot: int) -> str:
    key = f"{SLOT_KEY_PREFIX}{slot}"
    if key not in NETWORK_SLOTS_16:
        raise InvalidRequest(
            f"configuration slot {slot} is out of range: OCPP 1.6 network slots are the vendor keys "
            f"{' and '.join(NETWORK_SLOTS_16)}"
        )
    return key


def _unsaid(profile: NetworkProfile) -> str | None:
    """What of the profile a 1.6 slot key cannot carry, in words; None when the URL says it all."""
    if profile.protocol is not ProfileProtocol.OCPP16:
        return f"another OCPP version ({profile.protocol.value})"
    if profile.transport is not ProfileTransport.JSON:
        return "a SOAP transport"
    if profile.apn is not None:
        return "an APN"
    if profile.vpn is not None:
        return "a VPN"
    return None
