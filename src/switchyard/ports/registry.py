"""What the registry keeps: operators, their API keys, sites and charge stations.

Core sees one transaction at a time through `RegistryTx` and never a session or a row class;
`store/registry_store.py` implements it on SQLAlchemy. The repository contract suite
(tests/store/contract/test_registry_store.py) holds the implementation to these docstrings, on SQLite
and PostgreSQL.

A partial update has one shape, here and in core: a frozen dataclass whose fields default to `UNSET`.
A field left `UNSET` stays as it is; any other value, None included, is written.
"""

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, fields
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any, Final, Protocol

from switchyard.errors import SwitchyardError

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


class Unset(Enum):
    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


# The value of a patch field that was not given.
UNSET: Final = Unset.UNSET


def given(patch: "DataclassInstance") -> dict[str, Any]:
    """The fields of a patch that are set, by name."""
    return {f.name: value for f in fields(patch) if (value := getattr(patch, f.name)) is not UNSET}


class WriteRefused(SwitchyardError):
    """The database refused a write: a name or identity already taken, or a row that others still
    point at. Raised by the repository method or, at the latest, when its transaction ends; the
    transaction is rolled back."""


@dataclass(frozen=True, slots=True)
class OperatorRecord:
    id: str
    name: str
    # Platform operators manage other operators (tenants); they still never see tenants' resources.
    platform: bool
    baseline_enabled: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    id: str
    operator_id: str
    name: str
    scope: str
    # The secret itself is never kept (credentials.api_secret_hash).
    secret_hash: str
    created_at: datetime
    created_by: str | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SiteRecord:
    id: str
    operator_id: str
    name: str
    address: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisteredStation:
    """A charge station as the registry keeps it: what the operator registered, what the station
    reported at boot, and its live state as last written (fields in the table's order)."""

    id: str
    operator_id: str
    site_id: str | None = None
    identity: str
    serial_number: str | None = None
    ocpp_version: str
    security_profile: int
    # The profile the station is being moved to; it may connect with either until this is cleared.
    migrating_security_profile: int | None = None
    # Hashed at rest (credentials.hash_station_password); None for profile 3.
    password_hash: str | None = None
    registration_state: str
    vendor: str | None = None
    model: str | None = None
    firmware_version: str | None = None
    iccid: str | None = None
    imsi: str | None = None
    meter_type: str | None = None
    meter_serial_number: str | None = None
    last_boot_at: datetime | None = None
    last_boot_reason: str | None = None
    last_boot_status: str | None = None
    firmware_status: str | None = None
    diagnostics_status: str | None = None
    heartbeat_interval: int | None = None
    connection_state: str = "disconnected"
    connected_node: str | None = None
    connected_at: datetime | None = None
    last_seen_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class OperatorChanges:
    name: str | Unset = UNSET
    baseline_enabled: bool | Unset = UNSET


@dataclass(frozen=True, slots=True)
class SiteChanges:
    name: str | Unset = UNSET
    address: str | Unset | None = UNSET


@dataclass(frozen=True, slots=True)
class StationFields:
    """What the registry writes of a station (the rest is the station's own report and live state)."""

    site_id: str | Unset | None = UNSET
    serial_number: str | Unset | None = UNSET
    ocpp_version: str | Unset = UNSET
    security_profile: int | Unset = UNSET
    migrating_security_profile: int | Unset | None = UNSET
    password_hash: str | Unset | None = UNSET
    registration_state: str | Unset = UNSET


class OperatorRepository(Protocol):
    async def count(self) -> int: ...

    async def all(self) -> list[OperatorRecord]:
        """Oldest first (creation time, then id)."""
        ...

    async def get(self, operator_id: str) -> OperatorRecord | None: ...

    async def named(self, name: str) -> OperatorRecord | None: ...

    async def first_platform(self) -> OperatorRecord | None:
        """The platform operator created first."""
        ...

    async def add(self, operator: OperatorRecord) -> None:
        """`WriteRefused` when another operator has the name."""
        ...

    async def update(self, operator_id: str, changes: OperatorChanges, at: datetime) -> None:
        """The fields given, and `updated_at`; `WriteRefused` when another operator has the new name."""
        ...

    async def delete(self, operator_id: str) -> None:
        """The operator with everything that belongs to it (API keys, sites, webhook subscriptions);
        `WriteRefused` while it has charge stations."""
        ...


class ApiKeyRepository(Protocol):
    async def count(self) -> int: ...

    async def get(self, key_id: str) -> ApiKeyRecord | None: ...

    async def with_platform(self, key_id: str) -> tuple[ApiKeyRecord, bool] | None:
        """The key, and whether its operator is a platform operator."""
        ...

    async def of_operator(self, operator_id: str) -> list[ApiKeyRecord]:
        """Oldest first (creation time, then id)."""
        ...

    async def add(self, key: ApiKeyRecord) -> None: ...

    async def note_use(self, key_id: str, at: datetime) -> None:
        """Sets `last_used_at`."""
        ...

    async def revoke(self, key_id: str, at: datetime) -> None:
        """Sets `revoked_at`."""
        ...


class SiteRepository(Protocol):
    async def get(self, site_id: str) -> SiteRecord | None: ...

    async def of_operator(self, operator_id: str) -> list[SiteRecord]:
        """Oldest first (creation time, then id)."""
        ...

    async def add(self, site: SiteRecord) -> None:
        """`WriteRefused` when the operator has a site of that name."""
        ...

    async def update(self, site_id: str, changes: SiteChanges, at: datetime) -> None:
        """The fields given, and `updated_at`; `WriteRefused` when the operator has a site of the new name."""
        ...

    async def delete(self, site_id: str) -> None:
        """`WriteRefused` while charge stations are in it."""
        ...


class StationRepository(Protocol):
    async def get(self, station_id: str) -> RegisteredStation | None: ...

    async def by_identity(self, identity: str) -> RegisteredStation | None:
        """The station with this identity, whichever operator holds it (identities are unique)."""
        ...

    async def of_operator(
        self,
        operator_id: str,
        *,
        site_id: str | None = None,
        identity: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[RegisteredStation]:
        """Oldest first (creation time, then id); only those in `site_id` and with `identity` when given."""
        ...

    async def count_of_operator(self, operator_id: str) -> int: ...

    async def count_in_site(self, site_id: str) -> int: ...

    async def add(self, station: RegisteredStation) -> None:
        """`WriteRefused` when the identity is taken (by any operator)."""
        ...

    async def update(self, station_id: str, fields: StationFields, at: datetime) -> None:
        """The fields given, and `updated_at`; nothing else of the row is written."""
        ...

    async def delete(self, station_id: str) -> None:
        """The station with everything recorded about it."""
        ...

    async def drop_pending_passwords(self, station_id: str) -> None:
        """Forget the passwords sent to the station and not confirmed yet."""
        ...


class RegistryTx(Protocol):
    """One open transaction."""

    @property
    def operators(self) -> OperatorRepository: ...

    @property
    def keys(self) -> ApiKeyRepository: ...

    @property
    def sites(self) -> SiteRepository: ...

    @property
    def stations(self) -> StationRepository: ...


class RegistryStore(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[RegistryTx]:
        """A transaction of its own, committed when the block ends without an exception. A write the
        database refuses raises `WriteRefused` out of the block, never a database error."""
        ...

    def reading(self) -> AbstractAsyncContextManager[RegistryTx]:
        """A read-only look (nothing written in it is kept)."""
        ...
