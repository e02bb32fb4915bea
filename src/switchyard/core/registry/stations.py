"""Charge stations as their operator registers them: identity, OCPP version, security profile, the
password (hashed at rest), site and registration state. Changes reach a live session at once."""

from collections.abc import Callable
from dataclasses import dataclass, replace

from switchyard.clock import Clock
from switchyard.core.principal import Principal
from switchyard.core.registry.sites import own_site
from switchyard.core.registry.station_tls import StationTls
from switchyard.credentials import (
    GENERATED_PASSWORD_ITERATIONS,
    check_station_password,
    generate_station_password,
    hash_station_password,
)
from switchyard.domain import RegistrationState, Scope, StationUpdate
from switchyard.errors import Conflict, InvalidInput, NotFound
from switchyard.ids import is_id, new_id
from switchyard.ports.registry import (
    UNSET,
    RegisteredStation,
    RegistryStore,
    RegistryTx,
    StationFields,
    Unset,
    WriteRefused,
    given,
)
from switchyard.protocol.dialect import OcppVersion
from switchyard.protocol.identity import identity_problem

OCPP_VERSIONS = tuple(version.value for version in OcppVersion)
SECURITY_PROFILES = (1, 2, 3)


@dataclass(frozen=True, slots=True)
class CreatedStation:
    station: RegisteredStation
    # Set when Switchyard generated the password: shown once, never stored in clear.
    generated_password: str | None


@dataclass(frozen=True, slots=True)
class StationChanges:
    """What to change of a station; fields left `UNSET` stay as they are. A None password removes it
    (security profile 3 only); a None site_id takes the station out of its site.

    `migrating_security_profile` is the profile the station is being moved to: until it is cleared
    (None) the station may connect with either. Core sets it; the REST API does not offer it."""

    site_id: str | Unset | None = UNSET
    serial_number: str | Unset | None = UNSET
    ocpp_version: str | Unset = UNSET
    security_profile: int | Unset = UNSET
    password: str | Unset | None = UNSET
    registration_state: RegistrationState | Unset = UNSET
    migrating_security_profile: int | Unset | None = UNSET


@dataclass(frozen=True, slots=True)
class LiveHooks:
    """How registry changes reach connected stations on this node."""

    removed: Callable[[str], None] = lambda identity: None
    updated: Callable[[StationUpdate], None] = lambda update: None


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


class Stations:
    def __init__(
        self, store: RegistryStore, clock: Clock, password_iterations: int, hooks: LiveHooks, station_tls: StationTls
    ) -> None:
        self._store = store
        self._clock = clock
        self._iterations = password_iterations
        self._hooks = hooks
        self._station_tls = station_tls

    async def list_stations(
        self,
        who: Principal,
        site_id: str | None = None,
        identity: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[RegisteredStation]:
        async with self._store.reading() as tx:
            if site_id is not None:
                await own_site(tx, who, site_id)
            return await tx.stations.of_operator(
                who.operator_id, site_id=site_id, identity=identity, limit=limit, offset=offset
            )

    async def get_station(self, who: Principal, station_id: str) -> RegisteredStation:
        async with self._store.reading() as tx:
            return await own_station(tx, who, station_id)

    async def find_station(self, who: Principal, identity: str) -> RegisteredStation:
        async with self._store.reading() as tx:
            station = await tx.stations.by_identity(identity)
        if station is None or station.operator_id != who.operator_id:
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
        station = RegisteredStation(
            id=new_id(),
            operator_id=who.operator_id,
            identity=identity,
            serial_number=serial_number,
            ocpp_version=ocpp_version,
            security_profile=security_profile,
            password_hash=hash_station_password(password, ocpp_version, iterations) if password else None,
            registration_state=registration_state.value,
            created_at=now,
            updated_at=now,
        )
        try:
            async with self._store.transaction() as tx:
                if site_id is not None:
                    station = replace(station, site_id=(await own_site(tx, who, site_id)).id)
                await tx.stations.add(station)
        except WriteRefused:
            raise await self._identity_in_use(identity) from None
        return CreatedStation(station, generated)

    async def _identity_in_use(self, identity: str) -> IdentityInUse:
        async with self._store.reading() as tx:
            holder = await tx.stations.by_identity(identity)
        return IdentityInUse(identity, None if holder is None else holder.operator_id)

    async def update_station(self, who: Principal, station_id: str, changes: StationChanges) -> RegisteredStation:
        who.require(Scope.WRITE)
        async with self._store.transaction() as tx:
            station = await own_station(tx, who, station_id)
            fields = await self._checked(tx, who, station, changes)
            if fields.password_hash is not UNSET:
                # The operator says what the password is: a change still on its way no longer counts.
                await tx.stations.drop_pending_passwords(station.id)
            now = self._clock.now()
            await tx.stations.update(station.id, fields, now)
        station = replace(station, **given(fields), updated_at=now)
        self._hooks.updated(
            StationUpdate(
                station.identity,
                RegistrationState(station.registration_state),
                station.serial_number,
                station.ocpp_version,
                station.migrating_security_profile,
            )
        )
        return station

    async def _checked(
        self, tx: RegistryTx, who: Principal, station: RegisteredStation, changes: StationChanges
    ) -> StationFields:
        """What `changes` writes of `station`, or why it may not."""
        version = station.ocpp_version if changes.ocpp_version is UNSET else changes.ocpp_version
        profile = station.security_profile if changes.security_profile is UNSET else changes.security_profile
        _check_version_profile(version, profile)
        if profile != station.security_profile:
            # Only a change is refused: a station registered before TLS was turned off stays editable.
            self._station_tls.check(profile)
        password_hash: str | Unset | None = UNSET
        if changes.password is not UNSET:
            password_hash = None if changes.password is None else self._hash(changes.password, version)
        elif version != station.ocpp_version and station.password_hash is not None:
            raise InvalidInput("changing ocppVersion needs a new password (its rules differ between versions)")
        has_password = (station.password_hash if password_hash is UNSET else password_hash) is not None
        if profile in (1, 2) and not has_password:
            raise InvalidInput(f"security profile {profile} needs a password")
        self._check_migrating(station, changes.migrating_security_profile, has_password)
        site_id = changes.site_id
        if site_id is not UNSET and site_id is not None:
            site_id = (await own_site(tx, who, site_id)).id
        state = changes.registration_state
        return StationFields(
            site_id=site_id,
            serial_number=changes.serial_number,
            ocpp_version=changes.ocpp_version,
            security_profile=changes.security_profile,
            password_hash=password_hash,
            registration_state=UNSET if state is UNSET else RegistrationState(state).value,
            migrating_security_profile=changes.migrating_security_profile,
        )

    def _check_migrating(self, station: RegisteredStation, migrating: int | Unset | None, has_password: bool) -> None:
        """A station may be moved only to a profile it could connect with here, as for `security_profile`."""
        if migrating is UNSET:
            migrating = station.migrating_security_profile
        elif migrating is not None and migrating != station.migrating_security_profile:
            if migrating not in SECURITY_PROFILES:
                raise InvalidInput(f"migrating_security_profile must be 1, 2 or 3; got {migrating!r}")
            self._station_tls.check(migrating)
        if migrating in (1, 2) and not has_password:
            raise InvalidInput(f"moving to security profile {migrating} needs a password")

    def _hash(self, password: str, version: str) -> str:
        check_station_password(password, version)
        return hash_station_password(password, version, self._iterations)

    async def delete_station(self, who: Principal, station_id: str) -> None:
        who.require(Scope.WRITE)
        async with self._store.transaction() as tx:
            station = await own_station(tx, who, station_id)
            await tx.stations.delete(station.id)
        self._hooks.removed(station.identity)


async def own_station(tx: RegistryTx, who: Principal, station_id: str) -> RegisteredStation:
    """The caller's station; another operator's does not exist for it (404, same as an unknown id)."""
    station = await tx.stations.get(station_id) if is_id(station_id) else None
    if station is None or station.operator_id != who.operator_id:
        raise NotFound(f"charge station {station_id} not found")
    return station


def check_identity(identity: str) -> None:
    problem = identity_problem(identity)
    if problem is not None:
        raise InvalidInput(f"identity: {problem}")


def _check_version_profile(version: str, profile: int) -> None:
    if version not in OCPP_VERSIONS:
        raise InvalidInput(f"ocppVersion must be one of {', '.join(OCPP_VERSIONS)}; got {version!r}")
    if profile not in SECURITY_PROFILES:
        raise InvalidInput(f"securityProfile must be 1, 2 or 3; got {profile!r}")
