"""What provisioning requests share across OCPP versions: the checks made before anything is sent, and
asking a station and turning its answer into a `ProvisionResult`.

Bad input raises `InvalidRequest` (nothing was sent), like every other adapter call. A station that does
not know the message at all answers with a CALLERROR NotImplemented or NotSupported: that is its answer
to the question, so it becomes `not_supported` (the `ocpp` library and some firmware swap the two codes;
both mean the same here). Every other CALLERROR, a timeout and a lost connection raise what
`StationLink.call` raises, as for a setting change: core's failure handling already says what they mean.
"""

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlsplit

from cryptography import x509

from switchyard.domain import CaCertificate, NetworkProfile, ProvisionResult, ProvisionStatus, StationRef
from switchyard.errors import CallError, InvalidRequest
from switchyard.ports import StationLink
from switchyard.protocol import catalogue
from switchyard.protocol.catalogue import Ocpp

NOT_SUPPORTED_CALL_ERRORS = frozenset({"NotImplemented", "NotSupported"})
# InstallCertificate.certificate in both versions' schemas.
CERTIFICATE_MAX_LENGTH = 5500
# The catalogue entry whose rules a Basic-auth password follows (1.6 key; 2.0.1 BasicAuthPassword).
AUTHORIZATION_KEY = "AuthorizationKey"
_PEM = re.compile(r"\s*-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\s*")
# Security profile 1 is Basic auth without TLS; 2 and 3 use TLS (0: 1.6's "none configured yet").
_SCHEMES = {1: ("ws",), 2: ("wss",), 3: ("wss",)}

# InstallCertificate in both versions, and 2.0.1's SetNetworkProfile.
ACCEPTED_REJECTED_FAILED = {
    "Accepted": ProvisionStatus.ACCEPTED,
    "Rejected": ProvisionStatus.REJECTED,
    "Failed": ProvisionStatus.FAILED,
}

Said = Callable[[dict[str, Any]], dict[str, Any]]


def check_slots(slots: Sequence[int], lowest: int, what: str = "the connection priority") -> None:
    if not slots:
        raise InvalidRequest(f"{what} names no configuration slot")
    for slot in slots:
        if slot < lowest:
            raise InvalidRequest(f"configuration slot {slot} is out of range: slots start at {lowest}")
    if len(set(slots)) != len(slots):
        raise InvalidRequest(f"{what} names a configuration slot twice: {list(slots)}")


def check_profile(profile: NetworkProfile, identity: str) -> None:
    """What any version's station needs of a network profile (the URL rule is seed 000's)."""
    url = profile.csms_url
    reason = "csms_url is required" if url == "" else catalogue.check_url("csms_url", url)
    if reason is not None:
        raise InvalidRequest(reason)
    parts = urlsplit(url)
    last = parts.path.rstrip("/").rpartition("/")[2]
    if last and last in (identity, quote(identity, safe="")):
        raise InvalidRequest(f"csms_url must not end with the station identity {identity!r}: the station adds it")
    if profile.security_profile not in (0, *_SCHEMES):
        raise InvalidRequest(f"security profile {profile.security_profile} does not exist (0 to 3)")
    schemes = _SCHEMES.get(profile.security_profile)
    if schemes is not None and parts.scheme.lower() not in schemes:
        raise InvalidRequest(
            f"security profile {profile.security_profile} connects with {schemes[0]}://, "
            f"but csms_url starts with {parts.scheme}://"
        )
    if profile.message_timeout < 1:
        raise InvalidRequest(f"message_timeout must be at least 1 second; got {profile.message_timeout}")
    if profile.apn is not None and profile.apn.apn == "":
        raise InvalidRequest("the APN needs its access point name")
    if profile.vpn is not None and profile.vpn.server == "":
        raise InvalidRequest("the VPN needs its server")


def check_certificate(certificate: CaCertificate) -> None:
    """One PEM-encoded X.509 certificate that may be a CA, within the wire's length."""
    pem = certificate.pem
    if len(pem) > CERTIFICATE_MAX_LENGTH:
        raise InvalidRequest(f"the certificate has {len(pem)} characters; at most {CERTIFICATE_MAX_LENGTH}")
    if not _PEM.fullmatch(pem):
        raise InvalidRequest("the certificate must be one PEM block (-----BEGIN CERTIFICATE----- ... END)")
    try:
        parsed = x509.load_pem_x509_certificate(pem.encode())
    except ValueError:
        raise InvalidRequest("the certificate's PEM block is not an X.509 certificate") from None
    try:
        constraints = parsed.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return
    if not constraints.ca:
        raise InvalidRequest("the certificate is not a CA certificate (basicConstraints CA:FALSE)")


def check_password(value: str, ocpp: Ocpp) -> None:
    """The catalogue's rule for the version's Basic-auth password (never quoting it)."""
    entry = catalogue.for_key_16(AUTHORIZATION_KEY)
    assert entry is not None
    if not value.isprintable():
        raise InvalidRequest(f"{entry.name_for(ocpp)} must not contain control characters")
    reason = catalogue.check_value(entry, value, ocpp=ocpp)
    if reason is not None:
        raise InvalidRequest(reason)


def not_sent(reason: str) -> ProvisionResult:
    """The version cannot carry the request: nothing goes to the station."""
    return ProvisionResult(ProvisionStatus.NOT_SUPPORTED, {"reason": reason}, sent=False)


def status_of(answer: dict[str, Any]) -> dict[str, Any]:
    """The station's words in an answer with `status` and an optional `statusInfo`."""
    said: dict[str, Any] = {"status": answer["status"]}
    if answer.get("statusInfo"):
        said["statusInfo"] = answer["statusInfo"]
    return said


async def ask(
    link: StationLink,
    station: StationRef,
    action: str,
    payload: dict[str, Any],
    timeout: float,
    statuses: Mapping[str, ProvisionStatus],
    said: Said = status_of,
) -> ProvisionResult:
    """Send one request; its answer in the provisioning vocabulary (`statuses` maps the status words)."""
    try:
        answer = await link.call(station.identity, action, payload, timeout)
    except CallError as error:
        if error.code not in NOT_SUPPORTED_CALL_ERRORS:
            raise
        words = {"callError": error.code, "description": error.description}
        return ProvisionResult(ProvisionStatus.NOT_SUPPORTED, words)
    words = said(answer)
    return ProvisionResult(statuses.get(words["status"], ProvisionStatus.UNKNOWN), words)


async def install_certificate(
    link: StationLink, station: StationRef, certificate: CaCertificate, certificate_type: str, timeout: float
) -> ProvisionResult:
    """InstallCertificate, the same message in both versions but for the names of the certificate types."""
    check_certificate(certificate)
    payload = {"certificateType": certificate_type, "certificate": certificate.pem}
    return await ask(link, station, "InstallCertificate", payload, timeout, ACCEPTED_REJECTED_FAILED)
