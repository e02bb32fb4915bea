"""OCPP 2.0.1 provisioning: network profiles, the connection priority, CA certificates and the Basic-auth
password, as 2.0.1 calls (the provisioning operations of `ports.StationControl`).

- `set_network_profile`: SetNetworkProfile (B09) into a configuration slot. Slot numbers are the
  station's own (the valuesList of NetworkConfigurationPriority); a slot it does not have is its to
  refuse (B09.FR.05). Security profiles are 1 to 3 in 2.0.1.
- `set_connection_priority`: SetVariables `OCPPCommCtrlr.NetworkConfigurationPriority`, the slots
  comma-separated, first tried first (B10); RebootRequired is a common answer.
- `install_ca_certificate`: InstallCertificate (M05) as CSMSRootCertificate or ManufacturerRootCertificate.
- `set_basic_auth_password`: SetVariables `SecurityCtrlr.BasicAuthPassword` (A01), 16 to 40 characters.
- `installed_ca_certificates`: GetInstalledCertificateIds (M03) for the one type; NotFound is none
  installed, and a certificate of another type in the answer is passed over.

SetVariables answers UnknownComponent, UnknownVariable or NotSupportedAttributeType when the station
has no such variable: `not_supported`.
"""

from collections.abc import Sequence
from typing import Any

from switchyard.domain import (
    Apn,
    ApnAuthentication,
    CaCertificate,
    CertificateKind,
    NetworkInterface,
    NetworkProfile,
    ProfileProtocol,
    ProfileTransport,
    ProvisionResult,
    ProvisionStatus,
    StationPassword,
    StationRef,
    Vpn,
    VpnType,
)
from switchyard.errors import InvalidRequest
from switchyard.ports import StationLink
from switchyard.protocol.network_reads import certificate_ids, installed
from switchyard.protocol.provisioning import (
    ACCEPTED_REJECTED_FAILED,
    ask,
    check_password,
    check_profile,
    check_slots,
    install_certificate,
)
from switchyard.station_network import InstalledCertificate

# Slot numbering is the station's; 0 is a slot in the 2.0.1 errata's own example.
LOWEST_SLOT = 0
PRIORITY_VARIABLE = ("OCPPCommCtrlr", "NetworkConfigurationPriority")
PASSWORD_VARIABLE = ("SecurityCtrlr", "BasicAuthPassword")

_SET_STATUS = {
    "Accepted": ProvisionStatus.ACCEPTED,
    "RebootRequired": ProvisionStatus.REBOOT_REQUIRED,
    "Rejected": ProvisionStatus.REJECTED,
    "UnknownComponent": ProvisionStatus.NOT_SUPPORTED,
    "UnknownVariable": ProvisionStatus.NOT_SUPPORTED,
    "NotSupportedAttributeType": ProvisionStatus.NOT_SUPPORTED,
}
_CERTIFICATE_TYPE = {
    CertificateKind.CSMS_ROOT: "CSMSRootCertificate",
    CertificateKind.MANUFACTURER_ROOT: "ManufacturerRootCertificate",
}
_VERSION = {
    ProfileProtocol.OCPP12: "OCPP12",
    ProfileProtocol.OCPP15: "OCPP15",
    ProfileProtocol.OCPP16: "OCPP16",
    ProfileProtocol.OCPP20: "OCPP20",
}
_TRANSPORT = {transport: transport.value.upper() for transport in ProfileTransport}  # JSON, SOAP
_INTERFACE = {interface: interface.value.capitalize() for interface in NetworkInterface}  # Wired0 ... Wireless3
_APN_AUTHENTICATION = {method: method.value.upper() for method in ApnAuthentication}  # CHAP, NONE, PAP, AUTO
_VPN_TYPE = {VpnType.IKEV2: "IKEv2", VpnType.IPSEC: "IPSec", VpnType.L2TP: "L2TP", VpnType.PPTP: "PPTP"}


class Provisioning201:
    _link: StationLink

    async def set_network_profile(
        self, station: StationRef, slot: int, profile: NetworkProfile, timeout: float
    ) -> ProvisionResult:
        check_slots([slot], LOWEST_SLOT, what="the network profile")
        if profile.security_profile not in (1, 2, 3):
            raise InvalidRequest(f"OCPP 2.0.1 security profiles are 1 to 3; got {profile.security_profile}")
        check_profile(profile, station.identity)
        payload = {"configurationSlot": slot, "connectionData": connection_data(profile)}
        return await ask(self._link, station, "SetNetworkProfile", payload, timeout, ACCEPTED_REJECTED_FAILED)

    async def set_connection_priority(
        self, station: StationRef, slots: Sequence[int], timeout: float
    ) -> ProvisionResult:
        check_slots(slots, LOWEST_SLOT)
        return await self._set(station, PRIORITY_VARIABLE, ",".join(str(slot) for slot in slots), timeout)

    async def install_ca_certificate(
        self, station: StationRef, certificate: CaCertificate, timeout: float
    ) -> ProvisionResult:
        certificate_type = _CERTIFICATE_TYPE[certificate.kind]
        return await install_certificate(self._link, station, certificate, certificate_type, timeout)

    async def set_basic_auth_password(
        self, station: StationRef, password: StationPassword, timeout: float
    ) -> ProvisionResult:
        check_password(password.value, "2.0.1")
        return await self._set(station, PASSWORD_VARIABLE, password.value, timeout)

    async def installed_ca_certificates(
        self, station: StationRef, kind: CertificateKind, timeout: float
    ) -> list[InstalledCertificate] | None:
        certificate_type = _CERTIFICATE_TYPE[kind]
        answer = await certificate_ids(self._link, station, {"certificateType": [certificate_type]}, timeout)
        if answer is None:
            return None
        # NotFound comes without certificateHashDataChain.
        return [
            installed(certificate_type, entry["certificateHashData"])
            for entry in answer.get("certificateHashDataChain", [])
            if entry["certificateType"] == certificate_type
        ]

    async def _set(self, station: StationRef, where: tuple[str, str], value: str, timeout: float) -> ProvisionResult:
        component, variable = where
        item = {"attributeValue": value, "component": {"name": component}, "variable": {"name": variable}}
        payload = {"setVariableData": [item]}
        return await ask(self._link, station, "SetVariables", payload, timeout, _SET_STATUS, said=_set_result)


def connection_data(profile: NetworkProfile) -> dict[str, Any]:
    """The profile as a NetworkConnectionProfileType."""
    data: dict[str, Any] = {
        "ocppVersion": _VERSION[profile.protocol],
        "ocppTransport": _TRANSPORT[profile.transport],
        "ocppCsmsUrl": profile.csms_url,
        "messageTimeout": profile.message_timeout,
        "securityProfile": profile.security_profile,
        "ocppInterface": _INTERFACE[profile.interface],
    }
    if profile.apn is not None:
        data["apn"] = _apn(profile.apn)
    if profile.vpn is not None:
        data["vpn"] = _vpn(profile.vpn)
    return data


def _apn(apn: Apn) -> dict[str, Any]:
    data: dict[str, Any] = {"apn": apn.apn, "apnAuthentication": _APN_AUTHENTICATION[apn.authentication]}
    optional = {
        "apnUserName": apn.user_name,
        "apnPassword": apn.password,
        "simPin": apn.sim_pin,
        "preferredNetwork": apn.preferred_network,
    }
    data.update({name: value for name, value in optional.items() if value is not None})
    if apn.use_only_preferred_network:
        data["useOnlyPreferredNetwork"] = True
    return data


def _vpn(vpn: Vpn) -> dict[str, Any]:
    data: dict[str, Any] = {
        "server": vpn.server,
        "user": vpn.user,
        "password": vpn.password,
        "key": vpn.key,
        "type": _VPN_TYPE[vpn.type],
    }
    if vpn.group is not None:
        data["group"] = vpn.group
    return data


def _set_result(answer: dict[str, Any]) -> dict[str, Any]:
    """The station's words for the one item of a SetVariables request."""
    result = answer["setVariableResult"][0]
    said: dict[str, Any] = {"status": result["attributeStatus"]}
    if result.get("attributeStatusInfo"):
        said["statusInfo"] = result["attributeStatusInfo"]
    return said
