"""Who may open an OCPP session: identity, security profile, credentials, subprotocol.

Security profiles (OCPP 1.6 Security Whitepaper, 2.0.1 part A): 1 = Basic auth over ws,
2 = Basic auth over TLS, 3 = TLS with a client certificate whose CN is the station's serial number
(or its identity). A station must connect with the profile it is configured for (A00.FR.002), or,
while it is being moved to another one (`migrating_security_profile`), with that one.

Refused attempts count against the identity (when it is a known station) and the source address
(gateway/throttle.py); once either is past its free failures, attempts wait their turn (429).
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, NoReturn

import structlog

from switchyard.credentials import check_station_password, hash_station_password, verify_station_password
from switchyard.domain import LoginsThrottled, StationRecord
from switchyard.errors import InvalidInput
from switchyard.gateway.throttle import FailureThrottle, ThrottleRules, identity_key, source_key
from switchyard.gateway.upgrade import (
    Refusal,
    UpgradeRequest,
    challenge,
    connected_url,
    identity_from_path,
    negotiate,
)
from switchyard.ports import StationDirectory
from switchyard.protocol.dialect import Dialect

log = structlog.get_logger("switchyard.gateway")


@dataclass(frozen=True, slots=True)
class TlsPeer:
    secure: bool
    # getpeercert() of a client certificate the TLS layer verified against our client CA.
    certificate: dict[str, Any] | None = None
    # The connecting address (the load balancer's, behind one).
    address: str | None = None
    # The listener's own `host:port`: looked up only for a request without a Host header.
    listener: str | None = None


# Refusals that count as failed attempts: everything but "wait your turn" (429) and our own faults.
_COUNTED = frozenset({400, 401, 403, 404, 405, 426, 431})
# A station's own key is strict; an address may front a whole site, so it allows more.
IDENTITY_RULES = ThrottleRules(free_failures=5, base_delay=1.0, max_delay=300.0)
SOURCE_RULES = ThrottleRules(free_failures=20, base_delay=1.0, max_delay=60.0)


def _wait_turn(wait: float) -> None:
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise Refusal(429, f"too many failed attempts; try again in {seconds} s", {"Retry-After": str(seconds)})


@dataclass(frozen=True, slots=True)
class Admitted:
    identity: str
    # None with `dialect` None: an unknown station offering nothing we speak, not registered.
    record: StationRecord | None
    # None: no acceptable subprotocol; finish the handshake without one, then close.
    dialect: Dialect | None
    # The URL the station connected on, without its identity (`upgrade.connected_url`).
    url: str | None = None


def _judging_order(profile: int, migrating: int | None, peer: TlsPeer) -> tuple[int, ...]:
    """The profiles a connection is judged by, in the order whose first refusal says most: those the
    connection fits, the strongest first (a wrong certificate beats missing Basic credentials), then
    the station's own profile."""
    if migrating is None or migrating == profile:
        return (profile,)
    fits = {1: not peer.secure, 2: peer.secure, 3: peer.secure and bool(peer.certificate)}

    def rank(candidate: int) -> tuple[int, int]:
        return (0, -candidate) if fits.get(candidate) else (1, candidate != profile)

    return tuple(sorted((profile, migrating), key=rank))


def common_name(certificate: dict[str, Any]) -> str | None:
    for rdn in certificate.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return str(value)
    return None


class Admission:
    def __init__(
        self,
        directory: StationDirectory,
        path_prefix: str,
        open_registration: bool,
        password_iterations: int,
        identities: FailureThrottle | None = None,
        sources: FailureThrottle | None = None,
        alert: Callable[[LoginsThrottled], None] = lambda _: None,
    ) -> None:
        self._directory = directory
        self._prefix = path_prefix
        self._open_registration = open_registration
        self._iterations = password_iterations
        self.identities = identities or FailureThrottle(IDENTITY_RULES)
        self.sources = sources or FailureThrottle(SOURCE_RULES)
        self._alert = alert
        # Identities whose credentials are being checked: one attempt at a time per station, or a burst
        # of parallel guesses would all be checked before the first failure could slow the next.
        self._checking: set[str] = set()

    async def admit(self, request: UpgradeRequest, peer: TlsPeer) -> Admitted:
        identity: str | None = None
        record: StationRecord | None = None
        try:
            request.check_websocket_upgrade()
            identity = identity_from_path(request.path, self._prefix)
            _wait_turn(self.identities.wait(identity_key(identity)))
            record = await self._directory.find(identity)
            if record is None or self.identities.failing(identity_key(identity)):
                # A throttled address delays probing and failing stations; a station with a clean
                # record behind the same address (one NAT for a whole site) still gets in.
                # (The source's key is worked out only here: parsing the address costs every login.)
                _wait_turn(self.sources.wait(source_key(peer.address)))
            # Looked at again after the lookup: failures may have landed while it was under way.
            _wait_turn(self.identities.wait(identity_key(identity)))
            if identity in self._checking:
                raise Refusal(429, "another login of this station is being checked; try again", {"Retry-After": "1"})
            self._checking.add(identity)
            try:
                record, dialect = await self._admit(identity, record, request, peer)
            finally:
                self._checking.discard(identity)
        except Refusal as refusal:
            if refusal.status in _COUNTED:
                self._failed(identity, record, peer.address)
            raise
        self.identities.succeeded(identity_key(identity))
        host = request.headers.get("host") or peer.listener or ""
        return Admitted(identity, record, dialect, connected_url(peer.secure, host.strip(), request.path, identity))

    def penalize(self, record: StationRecord, address: str | None) -> None:
        """Count a failure for a station that was disconnected for misbehaving, so reconnecting costs it."""
        self._failed(record.identity, record, address)

    def _failed(self, identity: str | None, record: StationRecord | None, address: str | None) -> None:
        trips = [("source", trip) for trip in self.sources.failed(source_key(address))]
        if identity is not None and record is not None:
            trips += [("identity", trip) for trip in self.identities.failed(identity_key(identity))]
        for by, trip in trips:
            log.warning(
                "station logins throttled",
                by=by,
                identity=identity,
                source=address,
                failures=trip.failures,
                retry_after=trip.retry_after,
            )
            self._alert(LoginsThrottled(by, identity, record, address, trip.failures, trip.retry_after))

    async def _admit(
        self, identity: str, record: StationRecord | None, request: UpgradeRequest, peer: TlsPeer
    ) -> tuple[StationRecord | None, Dialect | None]:
        """The station's record and the dialect to speak (see `Admitted`)."""
        credentials = request.basic_credentials()
        if record is None:
            if not self._open_registration:
                raise Refusal(404, f"unknown charging station {identity!r}")
            dialect = negotiate(request.offered_subprotocols(), None)
            if dialect is None:
                return None, None
            return await self._register(identity, dialect, credentials, peer), dialect
        record = await self._authenticate(record, credentials, peer)
        return record, negotiate(request.offered_subprotocols(), record.ocpp_version)

    async def _authenticate(
        self, record: StationRecord, credentials: tuple[str, bytes] | None, peer: TlsPeer
    ) -> StationRecord:
        """Refuses a station that may not connect; its record, with its new password if it used one.

        A station being moved to another security profile may connect with either profile: the move
        is settled by the station reconnecting with its new one, and a station that cannot must
        still get back in with its old one. Each attempt is judged by the profile that its connection
        fits (a client certificate for 3, TLS for 2, plain ws for 1), then by the other."""
        profiles = _judging_order(record.security_profile, record.migrating_security_profile, peer)
        refusal = ""
        for profile in profiles:
            judged = await self._judge(record, profile, credentials, peer)
            if not isinstance(judged, str):
                return judged
            refusal = refusal or judged
        raise self._refusal(record.identity, refusal)

    async def _judge(
        self, record: StationRecord, profile: int, credentials: tuple[str, bytes] | None, peer: TlsPeer
    ) -> StationRecord | str:
        """The record when the connection satisfies `profile`, else why not."""
        identity = record.identity
        if profile == 3:
            if not peer.secure or not peer.certificate:
                return f"station {identity} uses security profile 3: connect over TLS with a client certificate"
            name = common_name(peer.certificate)
            if name is None or name not in (record.serial_number, record.identity):
                return f"client certificate CN {name!r} matches neither the station's serial number nor its identity"
            return record
        if profile == 1 and peer.secure:
            return f"station {identity} uses security profile 1: connect with ws://, not TLS"
        if profile == 2 and not peer.secure:
            return f"station {identity} uses security profile 2: connect with wss:// (TLS)"
        if credentials is None:
            return "Basic credentials are required"
        username, password = credentials
        if username != identity:
            return "the Basic-auth username must be the station identity"
        return await self._password(record, password) or "wrong password"

    async def _password(self, record: StationRecord, password: bytes) -> StationRecord | None:
        """The record when `password` is the station's (its new one, maybe), else None."""
        if record.password_hash is not None and verify_station_password(password, record.password_hash):
            return record
        # The password changed since the record was read (an Accepted answer settled a moment ago), or a
        # change whose answer never came (or that waits for a reboot): the station may already use the
        # new one. Refusing it would lock the station out.
        current, pending_ones = await self._directory.passwords(record.station_id)
        if current is not None and current != record.password_hash and verify_station_password(password, current):
            return replace(record, password_hash=current)
        for pending in pending_ones:
            if verify_station_password(password, pending):
                adopted = await self._directory.adopt_password(record, pending)
                if adopted is not None:
                    return adopted
        return None

    def _refuse(self, identity: str, reason: str) -> NoReturn:
        raise self._refusal(identity, reason)

    def _refusal(self, identity: str, reason: str) -> Refusal:
        log.warning("station refused", identity=identity, reason=reason)
        return challenge(reason)

    async def _register(
        self, identity: str, dialect: Dialect, credentials: tuple[str, bytes] | None, peer: TlsPeer
    ) -> StationRecord:
        """Open registration: trust the first credentials a new identity presents."""
        version = dialect.version.value
        if peer.secure and peer.certificate:
            if common_name(peer.certificate) != identity:
                self._refuse(identity, "open registration: the client certificate CN must be the station identity")
            return await self._directory.register_unknown(identity, version, 3, None)
        if credentials is None:
            self._refuse(identity, "open registration needs Basic credentials (or a client certificate over TLS)")
        username, raw = credentials
        if username != identity:
            self._refuse(identity, "the Basic-auth username must be the station identity")
        try:
            password = raw.decode("utf-8")
            check_station_password(password, version)
        except (UnicodeDecodeError, InvalidInput) as exc:
            if version != "1.6":
                self._refuse(identity, f"open registration: {getattr(exc, 'message', 'password is not UTF-8')}")
            # 1.6 stations may send the AuthorizationKey's raw bytes; keep them as hex.
            password = raw.hex()
            try:
                check_station_password(password, version)
            except InvalidInput as exc:
                self._refuse(identity, f"open registration: {exc.message}")
        password_hash = hash_station_password(password, version, self._iterations)
        log.info("station registered on first connection", identity=identity, ocpp_version=version)
        return await self._directory.register_unknown(identity, version, 2 if peer.secure else 1, password_hash)
