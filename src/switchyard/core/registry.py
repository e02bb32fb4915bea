"""Operators, API keys, sites and stations, always seen through one operator's eyes.

Every query is filtered by the caller's operator: another operator's resource does not exist for
the caller (NotFound), whatever the route or method.
"""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from switchyard.clock import Clock
from switchyard.core.principal import Principal
from switchyard.credentials import (
    GENERATED_PASSWORD_ITERATIONS,
    api_secret_matches,
    check_station_password,
    generate_station_password,
    hash_station_password,
    new_api_key,
    split_api_key,
)
from switchyard.domain import RegistrationState, Scope, StationUpdate
from switchyard.errors import Conflict, InvalidInput, NotFound, Unauthorized
from switchyard.ids import is_id, new_id
from switchyard.protocol.dialect import OcppVersion
from switchyard.protocol.identity import identity_problem
from switchyard.store.config_tables import PendingPassword
from switchyard.store.database import Database
from switchyard.store.tables import ApiKey, Operator, Site, Station

OCPP_VERSIONS = tuple(version.value for version in OcppVersion)
SECURITY_PROFILES = (1, 2, 3)


@dataclass(frozen=True, slots=True)
class CreatedApiKey:
    key: ApiKey
    token: str


@dataclass(frozen=True, slots=True)
class CreatedStation:
    station: Station
    # Set when Switchyard generated the password: shown once, never stored in clear.
    generated_password: str | None


@dataclass(slots=True)
class StationChanges:
    """Fields to change; absent fields (not in `given`) stay as they are."""

    given: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LiveHooks:
    """How registry changes reach connected stations on this node."""

    removed: Callable[[str], None] = lambda identity: None
    updated: Callable[[StationUpdate], None] = lambda update: None


@dataclass(frozen=True, slots=True)
class StationTls:
    """What this Switchyard's station listeners can admit: profiles 2 and 3 connect only over its TLS listener.

    A station registered with a profile the listeners cannot serve could never connect (issue 8), so
    the registry refuses it, saying what is missing and which settings provide it. The default is no
    TLS listener: a registry that is not told otherwise refuses profiles 2 and 3.
    """

    # A certificate and a key are configured, so the wss:// listener runs.
    listener: bool = False
    # ...and it verifies client certificates against a CA (profile 3).
    client_certificates: bool = False

    @classmethod
    def configured(cls, cert_file: Path | None, key_file: Path | None, client_ca_file: Path | None) -> "StationTls":
        listener = cert_file is not None and key_file is not None
        return cls(listener, listener and client_ca_file is not None)

    def refusal(self, profile: int) -> str | None:
        """Why a station with this security profile could not connect here, or None."""
        if profile == 2 and not self.listener:
            return (
                "securityProfile 2 needs the TLS station listener (wss://), which this Switchyard does not run: "
                "set SWITCHYARD_TLS_CERT_FILE and SWITCHYARD_TLS_KEY_FILE (switchyard serve --tls-cert, "
                "--tls-key) and restart it, or use securityProfile 1"
            )
        if profile == 3 and not self.listener:
            return (
                "securityProfile 3 needs the TLS station listener (wss://) with client certificates, which this "
                "Switchyard does not run: set SWITCHYARD_TLS_CERT_FILE, SWITCHYARD_TLS_KEY_FILE and "
                "SWITCHYARD_TLS_CLIENT_CA_FILE (switchyard serve --tls-cert, --tls-key, --tls-client-ca) "
                "and restart it"
            )
        if profile == 3 and not self.client_certificates:
            return (
                "securityProfile 3 needs client certificates, and this Switchyard's TLS station listener checks "
                "none: set SWITCHYARD_TLS_CLIENT_CA_FILE (switchyard serve --tls-client-ca) to the CA that "
                "signs the stations' certificates and restart it"
            )
        return None

    def check(self, profile: int) -> None:
        refusal = self.refusal(profile)
        if refusal is not None:
            raise Conflict(refusal)


class IdentityInUse(Conflict):
    """A taken identity: one message whichever operator holds it, naming none (ADR 0007).

    The caller learns that the identity is taken, as anyone reaching the station port does (an unknown
    identity is a 404 there), never whose it is. `holder` (an operator id) is for the server log only.
    """

    def __init__(self, identity: str, holder: str | None) -> None:
        super().__init__(
            f"identity {identity!r} is already in use on this Switchyard: stations are told apart by identity "
            "alone, across all its operators, so choose another"
        )
        self.identity = identity
        self.holder = holder


# How stale an API key's last_used_at may be.
LAST_USED_PRECISION = timedelta(minutes=1)
# How long a verified key is trusted without looking at the database again.
KEY_CACHE_SECONDS = 10.0


def check_identity(identity: str) -> None:
    problem = identity_problem(identity)
    if problem is not None:
        raise InvalidInput(f"identity: {problem}")


class Registry:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        password_iterations: int,
        hooks: LiveHooks | None = None,
        station_tls: StationTls | None = None,
    ):
        self._db = database
        self._clock = clock
        self._iterations = password_iterations
        self.hooks = hooks or LiveHooks()
        self._station_tls = station_tls or StationTls()
        # Keys verified recently, by key id: (principal, secret hash, trusted until, last_used_at written).
        # Revoking on this node forgets a key at once; a revocation on another node takes effect here
        # within KEY_CACHE_SECONDS.
        self._verified: dict[str, tuple[Principal, str, float, datetime | None]] = {}

    # -- authentication -----------------------------------------------------------------------

    async def authenticate(self, token: str) -> Principal:
        parts = split_api_key(token)
        if parts is None:
            raise Unauthorized("malformed API key")
        key_id, secret = parts
        cached = self._verified.get(key_id)
        if cached is not None and cached[2] > time.monotonic() and api_secret_matches(secret, cached[1]):
            await self._note_use(key_id, cached[3])
            return cached[0]
        async with self._db.sessions() as session:
            row = await session.execute(
                select(ApiKey, Operator.platform)
                .join(Operator, Operator.id == ApiKey.operator_id)
                .where(ApiKey.id == key_id)
            )
            found = row.first()
        if found is None or not api_secret_matches(secret, found[0].secret_hash):
            raise Unauthorized("invalid API key")
        key, platform = found
        if key.revoked_at is not None:
            raise Unauthorized("this API key has been revoked")
        principal = Principal(key.operator_id, key.id, Scope(key.scope), bool(platform))
        if len(self._verified) > 10_000:
            self._verified.clear()
        self._verified[key_id] = (principal, key.secret_hash, time.monotonic() + KEY_CACHE_SECONDS, key.last_used_at)
        await self._note_use(key_id, key.last_used_at)
        return principal

    async def _note_use(self, key_id: str, last_used_at: datetime | None) -> None:
        now = self._clock.now()
        if last_used_at is not None and now - last_used_at < LAST_USED_PRECISION:
            return  # a write per request would make every API call a transaction; a minute's precision will do
        async with self._db.transaction() as session:
            await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now))
        cached = self._verified.get(key_id)
        if cached is not None:
            self._verified[key_id] = (*cached[:3], now)

    def forget_keys(self, key_id: str | None = None) -> None:
        """Verify this key (or every key) against the database on its next use."""
        if key_id is None:
            self._verified.clear()
        else:
            self._verified.pop(key_id, None)

    # -- bootstrap ----------------------------------------------------------------------------

    async def bootstrap_operator(self) -> None:
        """On an empty database: the platform operator `default` (open registration needs one)."""
        async with self._db.transaction() as session:
            if await session.scalar(select(func.count()).select_from(Operator)):
                return
        await self._create_operator("default", platform=True)

    async def bootstrap_key(self) -> str | None:
        """While no API key exists at all: an admin key of the first platform operator, returned once.

        Keyed on "no key exists" rather than "empty database", so a start that stopped between
        creating the operator and showing the key does not lock everyone out.
        """
        async with self._db.transaction() as session:
            if await session.scalar(select(func.count()).select_from(ApiKey)):
                return None
            operator_id = await session.scalar(
                select(Operator.id).where(Operator.platform.is_(True)).order_by(Operator.created_at).limit(1)
            )
        if operator_id is None:
            return None
        return (await self._create_key(operator_id, "bootstrap admin key", Scope.ADMIN, None)).token

    async def bootstrap(self) -> str | None:
        """Both bootstrap steps at once (tools and tests that do not start a gateway)."""
        await self.bootstrap_operator()
        return await self.bootstrap_key()

    async def ensure_operator(self, name: str) -> Operator:
        """The operator called `name`, created when missing (the first operator ever is the platform)."""
        name = _name(name, "name")
        async with self._db.transaction() as session:
            existing = await session.scalar(select(Operator).where(Operator.name == name))
            if existing is not None:
                return existing
            first = not await session.scalar(select(func.count()).select_from(Operator))
        return await self._create_operator(name, platform=first)

    async def find_operator(self, name: str) -> Operator:
        """The operator called `name` (for the CLI, which names operators rather than authenticating)."""
        async with self._db.sessions() as session:
            operator = await session.scalar(select(Operator).where(Operator.name == name.strip()))
            if operator is None:
                raise NotFound(f"operator {name!r} not found")
            return operator

    async def create_key_for(self, operator_name: str, name: str, scope: Scope) -> CreatedApiKey:
        """A key for the operator called `operator_name`, created when missing (the CLI's way in)."""
        name = _name(name, "name")  # checked first: a refused key creates no operator either
        operator = await self.ensure_operator(operator_name)
        return await self._create_key(operator.id, name, scope, None)

    # -- operators ----------------------------------------------------------------------------

    async def list_operators(self, who: Principal) -> Sequence[Operator]:
        async with self._db.sessions() as session:
            query = select(Operator).order_by(Operator.created_at, Operator.id)
            if not (who.platform and who.scope is Scope.ADMIN):
                query = query.where(Operator.id == who.operator_id)
            return (await session.scalars(query)).all()

    async def get_operator(self, who: Principal, operator_id: str) -> Operator:
        async with self._db.sessions() as session:
            return await self._visible_operator(session, who, operator_id)

    async def create_operator(self, who: Principal, name: str, platform: bool = False) -> Operator:
        who.require_platform_admin()
        return await self._create_operator(name, platform)

    async def update_operator(
        self, who: Principal, operator_id: str, name: str | None, baseline_enabled: bool | None = None
    ) -> Operator:
        who.require(Scope.ADMIN)
        if name is not None:
            name = _name(name, "name")
        try:
            async with self._db.transaction() as session:
                operator = await self._visible_operator(session, who, operator_id)
                if operator.id != who.operator_id:
                    who.require_platform_admin()
                if name is not None:
                    operator.name = name
                if baseline_enabled is not None:
                    operator.baseline_enabled = baseline_enabled
                operator.updated_at = self._clock.now()
                return operator
        except IntegrityError:
            raise Conflict(f"an operator named {name!r} already exists") from None

    async def delete_operator(self, who: Principal, operator_id: str) -> None:
        who.require(Scope.ADMIN)
        try:
            async with self._db.transaction() as session:
                # Visibility first: to a tenant admin another operator does not exist (404), as on GET.
                operator = await self._visible_operator(session, who, operator_id)
                if operator.id == who.operator_id:
                    raise Conflict("an operator cannot delete itself")
                who.require_platform_admin()
                name = operator.name
                stations = await session.scalar(select(func.count()).where(Station.operator_id == operator.id))
                if stations:
                    raise Conflict(f"operator {name!r} still has {stations} charge station(s); delete them first")
                await session.delete(operator)
            self.forget_keys()  # its keys are gone with it
        except IntegrityError:
            # A station was added between the count and the delete; the foreign key refused.
            raise Conflict(f"operator {name!r} still has charge stations; delete them first") from None

    async def _visible_operator(self, session: AsyncSession, who: Principal, operator_id: str) -> Operator:
        operator = await session.get(Operator, operator_id) if is_id(operator_id) else None
        visible = operator is not None and (
            operator.id == who.operator_id or (who.platform and who.scope is Scope.ADMIN)
        )
        if not visible:
            raise NotFound(f"operator {operator_id} not found")
        assert operator is not None
        return operator

    async def _create_operator(self, name: str, platform: bool) -> Operator:
        now = self._clock.now()
        name = _name(name, "name")
        operator = Operator(
            id=new_id(), name=name, platform=platform, baseline_enabled=True, created_at=now, updated_at=now
        )
        try:
            async with self._db.transaction() as session:
                session.add(operator)
        except IntegrityError:
            raise Conflict(f"an operator named {name!r} already exists") from None
        return operator

    # -- API keys -----------------------------------------------------------------------------

    async def list_keys(self, who: Principal) -> Sequence[ApiKey]:
        who.require(Scope.ADMIN)
        async with self._db.sessions() as session:
            query = select(ApiKey).where(ApiKey.operator_id == who.operator_id).order_by(ApiKey.created_at, ApiKey.id)
            return (await session.scalars(query)).all()

    async def get_key(self, who: Principal, key_id: str) -> ApiKey:
        who.require(Scope.ADMIN)
        async with self._db.sessions() as session:
            return await self._own_key(session, who, key_id)

    async def create_key(
        self, who: Principal, name: str, scope: Scope, operator_id: str | None = None
    ) -> CreatedApiKey:
        who.require(Scope.ADMIN)
        target = operator_id or who.operator_id
        if target != who.operator_id:
            who.require_platform_admin()
            async with self._db.sessions() as session:
                await self._visible_operator(session, who, target)
        return await self._create_key(target, _name(name, "name"), scope, who.key_id)

    async def revoke_key(self, who: Principal, key_id: str) -> ApiKey:
        who.require(Scope.ADMIN)
        async with self._db.transaction() as session:
            key = await self._own_key(session, who, key_id)
            if key.revoked_at is None:
                key.revoked_at = self._clock.now()
        self.forget_keys(key.id)
        return key

    async def _own_key(self, session: AsyncSession, who: Principal, key_id: str) -> ApiKey:
        key = await session.get(ApiKey, key_id) if is_id(key_id) else None
        if key is None or key.operator_id != who.operator_id:
            raise NotFound(f"API key {key_id} not found")
        return key

    async def _create_key(self, operator_id: str, name: str, scope: Scope, created_by: str | None) -> CreatedApiKey:
        key_id = new_id()
        secret = new_api_key(key_id)
        key = ApiKey(
            id=key_id,
            operator_id=operator_id,
            name=name,
            scope=scope.value,
            secret_hash=secret.secret_hash,
            created_at=self._clock.now(),
            created_by=created_by,
        )
        async with self._db.transaction() as session:
            session.add(key)
        return CreatedApiKey(key, secret.token)

    # -- sites --------------------------------------------------------------------------------

    async def list_sites(self, who: Principal) -> Sequence[Site]:
        async with self._db.sessions() as session:
            query = select(Site).where(Site.operator_id == who.operator_id).order_by(Site.created_at, Site.id)
            return (await session.scalars(query)).all()

    async def get_site(self, who: Principal, site_id: str) -> Site:
        async with self._db.sessions() as session:
            return await self._own_site(session, who, site_id)

    async def create_site(self, who: Principal, name: str, address: str | None) -> Site:
        who.require(Scope.WRITE)
        now = self._clock.now()
        name = _name(name, "name")
        site = Site(
            id=new_id(),
            operator_id=who.operator_id,
            name=name,
            address=address,
            created_at=now,
            updated_at=now,
        )
        try:
            async with self._db.transaction() as session:
                session.add(site)
        except IntegrityError:
            raise Conflict(f"a site named {name!r} already exists") from None
        return site

    async def update_site(self, who: Principal, site_id: str, changes: dict[str, Any]) -> Site:
        who.require(Scope.WRITE)
        name = _name(changes["name"], "name") if "name" in changes else None
        try:
            async with self._db.transaction() as session:
                site = await self._own_site(session, who, site_id)
                if name is not None:
                    site.name = name
                if "address" in changes:
                    site.address = changes["address"]
                site.updated_at = self._clock.now()
                return site
        except IntegrityError:
            raise Conflict(f"a site named {name!r} already exists") from None

    async def delete_site(self, who: Principal, site_id: str) -> None:
        who.require(Scope.WRITE)
        try:
            async with self._db.transaction() as session:
                site = await self._own_site(session, who, site_id)
                name = site.name
                count = await session.scalar(select(func.count()).where(Station.site_id == site.id))
                if count:
                    raise Conflict(f"site {name!r} still has {count} charge station(s); move or delete them first")
                await session.delete(site)
        except IntegrityError:
            # A station was put in the site between the count and the delete (the foreign key refused).
            raise Conflict(f"site {name!r} still has charge stations; move or delete them first") from None

    async def _own_site(self, session: AsyncSession, who: Principal, site_id: str) -> Site:
        site = await session.get(Site, site_id) if is_id(site_id) else None
        if site is None or site.operator_id != who.operator_id:
            raise NotFound(f"site {site_id} not found")
        return site

    # -- stations -----------------------------------------------------------------------------

    async def list_stations(
        self,
        who: Principal,
        site_id: str | None = None,
        identity: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Sequence[Station]:
        async with self._db.sessions() as session:
            query = select(Station).where(Station.operator_id == who.operator_id)
            if site_id is not None:
                await self._own_site(session, who, site_id)
                query = query.where(Station.site_id == site_id)
            if identity is not None:
                query = query.where(Station.identity == identity)
            query = query.order_by(Station.created_at, Station.id).limit(limit).offset(offset)
            return (await session.scalars(query)).all()

    async def get_station(self, who: Principal, station_id: str) -> Station:
        async with self._db.sessions() as session:
            return await self._own_station(session, who, station_id)

    async def find_station(self, who: Principal, identity: str) -> Station:
        async with self._db.sessions() as session:
            station = await session.scalar(
                select(Station).where(Station.identity == identity, Station.operator_id == who.operator_id)
            )
            if station is None:
                raise NotFound(f"charge station {identity!r} not found")
            return station

    async def create_station(
        self,
        who: Principal,
        identity: str,
        ocpp_version: str,
        security_profile: int,
        password: str | None = None,
        serial_number: str | None = None,
        site_id: str | None = None,
        registration_state: RegistrationState = RegistrationState.ACCEPTED,
    ) -> CreatedStation:
        who.require(Scope.WRITE)
        check_identity(identity)
        _check_version_profile(ocpp_version, security_profile)
        self._station_tls.check(security_profile)
        generated = None
        iterations = self._iterations
        if password is None and security_profile in (1, 2):
            password = generated = generate_station_password(ocpp_version)
            iterations = GENERATED_PASSWORD_ITERATIONS
        if password is not None:
            check_station_password(password, ocpp_version)
        now = self._clock.now()
        station = Station(
            id=new_id(),
            operator_id=who.operator_id,
            site_id=None,
            identity=identity,
            serial_number=serial_number,
            ocpp_version=ocpp_version,
            security_profile=security_profile,
            password_hash=hash_station_password(password, ocpp_version, iterations) if password else None,
            registration_state=registration_state.value,
            connection_state="disconnected",
            created_at=now,
            updated_at=now,
        )
        try:
            async with self._db.transaction() as session:
                if site_id is not None:
                    station.site_id = (await self._own_site(session, who, site_id)).id
                session.add(station)
        except IntegrityError:
            raise await self._identity_in_use(who, identity) from None
        return CreatedStation(station, generated)

    async def _identity_in_use(self, who: Principal, identity: str) -> "IdentityInUse":
        async with self._db.sessions() as session:
            holder = await session.scalar(select(Station.operator_id).where(Station.identity == identity))
        return IdentityInUse(identity, holder)

    async def update_station(self, who: Principal, station_id: str, changes: StationChanges) -> Station:
        who.require(Scope.WRITE)
        given = changes.given
        async with self._db.transaction() as session:
            station = await self._own_station(session, who, station_id)
            version = given.get("ocpp_version", station.ocpp_version)
            profile = given.get("security_profile", station.security_profile)
            _check_version_profile(version, profile)
            if profile != station.security_profile:
                # Only a change is refused: a station registered before TLS was turned off stays editable.
                self._station_tls.check(profile)
            if "password" in given:
                password = given["password"]
                # The operator says what the password is: a change still on its way no longer counts.
                await session.execute(delete(PendingPassword).where(PendingPassword.station_id == station.id))
                if password is None:
                    station.password_hash = None  # refused below unless the profile is 3
                else:
                    check_station_password(password, version)
                    station.password_hash = hash_station_password(password, version, self._iterations)
            elif version != station.ocpp_version and station.password_hash is not None:
                raise InvalidInput("changing ocppVersion needs a new password (its rules differ between versions)")
            if profile in (1, 2) and station.password_hash is None:
                raise InvalidInput(f"security profile {profile} needs a password")
            if "site_id" in given:
                site_id = given["site_id"]
                station.site_id = None if site_id is None else (await self._own_site(session, who, site_id)).id
            if "serial_number" in given:
                station.serial_number = given["serial_number"]
            if "registration_state" in given:
                station.registration_state = RegistrationState(given["registration_state"]).value
            station.ocpp_version = version
            station.security_profile = profile
            station.updated_at = self._clock.now()
        self.hooks.updated(
            StationUpdate(
                station.identity,
                RegistrationState(station.registration_state),
                station.serial_number,
                station.ocpp_version,
            )
        )
        return station

    async def delete_station(self, who: Principal, station_id: str) -> None:
        who.require(Scope.WRITE)
        async with self._db.transaction() as session:
            station = await self._own_station(session, who, station_id)
            identity = station.identity
            await session.delete(station)
        self.hooks.removed(identity)

    async def _own_station(self, session: AsyncSession, who: Principal, station_id: str) -> Station:
        return await own_station(session, who, station_id)


async def own_station(session: AsyncSession, who: Principal, station_id: str) -> Station:
    """The caller's station; another operator's does not exist for it (404, same as an unknown id)."""
    station = await session.get(Station, station_id) if is_id(station_id) else None
    if station is None or station.operator_id != who.operator_id:
        raise NotFound(f"charge station {station_id} not found")
    return station


def _name(value: str, field_name: str) -> str:
    value = value.strip()
    if not value:
        raise InvalidInput(f"{field_name}: must not be empty")
    if len(value) > 100:
        raise InvalidInput(f"{field_name}: has {len(value)} characters; at most 100 allowed")
    return value


def _check_version_profile(version: str, profile: int) -> None:
    if version not in OCPP_VERSIONS:
        raise InvalidInput(f"ocppVersion must be one of {', '.join(OCPP_VERSIONS)}; got {version!r}")
    if profile not in SECURITY_PROFILES:
        raise InvalidInput(f"securityProfile must be 1, 2 or 3; got {profile!r}")
