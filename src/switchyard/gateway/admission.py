"""Who may open an OCPP session: identity, security profile, credentials, subprotocol.

Security profiles (OCPP 1.6 Security Whitepaper, 2.0.1 part A): 1 = Basic auth over ws,
2 = Basic auth over TLS, 3 = TLS with a client certificate whose CN is the station's serial number
(or its identity). A station must connect with the profile it is configured for (A00.FR.002).
"""

from dataclasses import dataclass, replace
from typing import Any, NoReturn

import structlog

from switchyard.credentials import check_station_password, hash_station_password, verify_station_password
from switchyard.domain import StationRecord
from switchyard.errors import InvalidInput
from switchyard.gateway.upgrade import Refusal, UpgradeRequest, challenge, identity_from_path, negotiate
from switchyard.ports import StationDirectory
from switchyard.protocol.dialect import Dialect

log = structlog.get_logger("switchyard.gateway")


@dataclass(frozen=True, slots=True)
class TlsPeer:
    secure: bool
    # getpeercert() of a client certificate the TLS layer verified against our client CA.
    certificate: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Admitted:
    identity: str
    # None with `dialect` None: an unknown station offering nothing we speak, not registered.
    record: StationRecord | None
    # None: no acceptable subprotocol; finish the handshake without one, then close.
    dialect: Dialect | None


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
    ) -> None:
        self._directory = directory
        self._prefix = path_prefix
        self._open_registration = open_registration
        self._iterations = password_iterations

    async def admit(self, request: UpgradeRequest, peer: TlsPeer) -> Admitted:
        if request.method != "GET":
            raise Refusal(405, "the websocket upgrade must be a GET request")
        identity = identity_from_path(request.path, self._prefix)
        credentials = request.basic_credentials()
        record = await self._directory.find(identity)
        if record is None:
            if not self._open_registration:
                raise Refusal(404, f"unknown charging station {identity!r}")
            dialect = negotiate(request.offered_subprotocols(), None)
            if dialect is None:
                return Admitted(identity, None, None)
            record = await self._register(identity, dialect, credentials, peer)
            return Admitted(identity, record, dialect)
        record = await self._authenticate(record, credentials, peer)
        return Admitted(identity, record, negotiate(request.offered_subprotocols(), record.ocpp_version))

    async def _authenticate(
        self, record: StationRecord, credentials: tuple[str, bytes] | None, peer: TlsPeer
    ) -> StationRecord:
        """Refuses a station that may not connect; its record, with its new password if it used one."""
        identity, profile = record.identity, record.security_profile
        if profile == 3:
            if not peer.secure or not peer.certificate:
                self._refuse(
                    identity,
                    f"station {identity} uses security profile 3: connect over TLS with a client certificate",
                )
            name = common_name(peer.certificate or {})
            if name is None or name not in (record.serial_number, record.identity):
                self._refuse(
                    identity,
                    f"client certificate CN {name!r} matches neither the station's serial number nor its identity",
                )
            return record
        if profile == 1 and peer.secure:
            self._refuse(identity, f"station {identity} uses security profile 1: connect with ws://, not TLS")
        if profile == 2 and not peer.secure:
            self._refuse(identity, f"station {identity} uses security profile 2: connect with wss:// (TLS)")
        if credentials is None:
            self._refuse(identity, "Basic credentials are required")
        username, password = credentials
        if username != identity:
            self._refuse(identity, "the Basic-auth username must be the station identity")
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
        raise self._refusal(identity, "wrong password")

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
