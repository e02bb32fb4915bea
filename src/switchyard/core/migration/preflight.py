"""The checks a station passes before anything is sent to it, each refusal with its reason.

Two rounds, both pure: `check_station` from what Switchyard knows already (the target, the registry,
the live session, other jobs, the peer's answer), then `check_picture` from what the station reports
(its network settings and installed root certificates). A dry run runs both and changes nothing.
"""

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from switchyard.core.migration.methods import Method, SlotChoice, method_for
from switchyard.core.migration.model import StationState, Target
from switchyard.core.migration.roots import matches_installed
from switchyard.errors import InvalidInput
from switchyard.protocol.catalogue import check_url
from switchyard.station_network import InstalledCertificate, NetworkPicture

_SCHEMES = {1: "ws", 2: "wss", 3: "wss"}


@dataclass(frozen=True, slots=True)
class Candidate:
    """What Switchyard knows of a station before asking it anything."""

    station_id: str
    identity: str
    ocpp_version: str
    security_profile: int
    connected: bool
    reboot_pending: bool
    # What else holds the station now (another fleet job, configuration changes), in words.
    busy_in: str | None = None
    # The peer's refusal ("unknown there", "rejected there"), when the target was asked.
    peer_problem: str | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    state: StationState
    reasons: tuple[str, ...] = ()
    method: Method | None = None
    slot: int | None = None

    @property
    def passed(self) -> bool:
        return self.state is StationState.PENDING


def target_problems(target: Target, identity: str, limit: int | None = None) -> list[str]:
    """What is wrong with the target URL and security profile for this station (seed 000's URL rules)."""
    url = target.url
    problem = "targetUrl is required" if url == "" else check_url("targetUrl", url)
    if problem is not None:
        return [problem]
    problems = []
    parts = urlsplit(url)
    last = parts.path.rstrip("/").rpartition("/")[2]
    if last and last in (identity, quote(identity, safe="")):
        problems.append(f"targetUrl must not end with the station identity {identity!r}: the station adds it")
    if limit is not None and len(url) > limit:
        problems.append(f"targetUrl is {len(url)} characters; this station stores at most {limit}")
    scheme = _SCHEMES.get(target.security_profile)
    if scheme is None:
        problems.append(f"securityProfile {target.security_profile} does not exist (1 to 3)")
    elif parts.scheme.lower() != scheme:
        problems.append(
            f"securityProfile {target.security_profile} connects with {scheme}://, but targetUrl is {parts.scheme}://"
        )
    return problems


def check_station(candidate: Candidate, target: Target) -> Verdict:
    try:
        method = method_for(target.method, candidate.ocpp_version)
    except InvalidInput as exc:
        return Verdict(StationState.UNSUPPORTED, (exc.message,))
    reasons = target_problems(target, candidate.identity, method.url_limit)
    if target.security_profile < candidate.security_profile:
        reasons.append(
            f"securityProfile {target.security_profile} is lower than the station's {candidate.security_profile}: "
            "stations refuse a downgrade (B09.FR.04)"
        )
    if not candidate.connected:
        reasons.append("the station is offline")
    if candidate.reboot_pending:
        reasons.append("the station has a reboot pending from an earlier change; reset it or wait for its reboot")
    if candidate.busy_in is not None:
        reasons.append(f"the station is busy with another procedure: {candidate.busy_in}")
    if candidate.peer_problem is not None:
        reasons.append(candidate.peer_problem)
    if target.url.lower().startswith("wss://") and not method.lists_certificates and not target.ca_installed:
        reasons.append(
            "a wss:// target needs its root certificate on the station, and OCPP 1.6 cannot list them: "
            "install it, then confirm with caInstalled: true (seed 000's prerequisite)"
        )
    if reasons:
        return Verdict(StationState.PREFLIGHT_FAILED, tuple(reasons), method)
    return Verdict(StationState.PENDING, (), method)


def check_picture(
    method: Method,
    target: Target,
    picture: NetworkPicture,
    certificates: list[InstalledCertificate] | None,
    target_root_pem: str | None = None,
) -> Verdict:
    """From what the station reports: the settings the method needs, a free slot, the root certificate
    for a wss target, and no security downgrade."""
    if picture.missing:
        return Verdict(StationState.UNSUPPORTED, (f"the station lacks {', '.join(picture.missing)}",), method)
    reasons = []
    choice: SlotChoice = method.choose_slot(picture)
    if choice.problem is not None:
        reasons.append(choice.problem)
    current = picture.security_profile
    if current is not None and target.security_profile < current:
        reasons.append(
            f"securityProfile {target.security_profile} is lower than the {current} the station reports (B09.FR.04)"
        )
    if target.url.lower().startswith("wss://") and method.lists_certificates:
        problem = _root_problem(certificates, target, target_root_pem)
        if problem is not None:
            reasons.append(problem)
    if reasons:
        return Verdict(StationState.PREFLIGHT_FAILED, tuple(reasons), method)
    return Verdict(StationState.PENDING, (), method, choice.slot)


def _root_problem(
    certificates: list[InstalledCertificate] | None, target: Target, target_root_pem: str | None
) -> str | None:
    if certificates is None:
        if target.ca_installed:
            return None
        return (
            "the station cannot list its CSMS root certificates (GetInstalledCertificateIds), so the wss:// "
            "target's root cannot be checked: install it, then confirm with caInstalled: true"
        )
    if not certificates:
        return "no CSMS root certificate is installed on the station, so it cannot verify the wss:// target"
    if target_root_pem is not None and not matches_installed(target_root_pem, certificates):
        return "the target's root certificate (caCertificate) is not among the CSMS roots installed on the station"
    return None
