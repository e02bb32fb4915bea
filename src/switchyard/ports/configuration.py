"""What the configuration capability keeps: actions, each station's reported configuration and lane
state, the passwords sent to it, and the few facts about stations it needs.

Core sees one transaction at a time through `ConfigurationTx` and never a session or a row class;
`store/configuration_store.py` implements it on SQLAlchemy. The repository contract suite
(tests/store/contract/) holds the implementation to these docstrings, on SQLite and PostgreSQL.
"""

from collections.abc import Awaitable, Callable, Collection, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from switchyard.ports.outbox import EventOutbox

T = TypeVar("T")


@dataclass(slots=True)
class ActionRecord:
    """A request to a station as stored (core/actions.py says what the fields mean).

    Mutable: the lane that works on an action keeps its copy up to date with what it wrote."""

    id: str
    operator_id: str
    station_id: str
    type: str
    status: str
    phase: str
    data: dict[str, Any]
    target: dict[str, Any]
    expires_at: datetime
    created_at: datetime
    updated_at: datetime
    secret: str | None = None
    response_data: dict[str, Any] | None = None
    waiting_for: str | None = None
    created_by: str | None = None
    reason: str | None = None
    value_before: str | None = None
    value_after: str | None = None
    message_id: str | None = None
    sent_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StationFacts:
    id: str
    operator_id: str
    identity: str
    ocpp_version: str


@dataclass(frozen=True, slots=True)
class RunningTransaction:
    transaction_ref: str
    connector_id: int | None


@dataclass(frozen=True, slots=True)
class LaneState:
    """Per station: when its configuration was read, whether it waits for a reboot, when it last
    changed and booted."""

    read_at: datetime | None = None
    reboot_pending: bool = False
    reboot_pending_since: datetime | None = None
    last_change_at: datetime | None = None
    booted_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ReportedRow:
    """One setting as the station last reported it (a secret's value is never kept)."""

    name: str
    value: str | None
    readonly: bool
    writeonly: bool = False
    address: dict[str, Any] | None = None
    characteristics: dict[str, Any] | None = None


class Actions(Protocol):
    async def add(self, action: ActionRecord) -> None: ...

    async def add_many(self, actions: Collection[ActionRecord]) -> None:
        """Many new actions in one statement."""
        ...

    async def get(self, action_id: str) -> ActionRecord | None: ...

    async def open_for(self, station_id: str) -> list[ActionRecord]:
        """The station's actions not done yet, oldest first (creation time, then id)."""
        ...

    async def count_open(self, station_id: str) -> int: ...

    async def stations_with_open(self) -> set[str]: ...

    async def queued_reads(self, station_ids: Collection[str]) -> set[str]:
        """Which of these stations have a configuration read queued and not sent yet."""
        ...

    async def update(self, action_id: str, values: Mapping[str, Any]) -> None:
        """Set these fields (names of `ActionRecord`) of one action."""
        ...

    async def update_before_of(self, action_id: str, values: Mapping[str, Any], setting: str) -> str | None:
        """`update`, setting `value_before` to the station's reported value of `setting` as it is in
        this transaction; returns that value."""
        ...

    async def newest(
        self,
        operator_id: str,
        *,
        station_id: str | None = None,
        status: str | None = None,
        type: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[ActionRecord]:
        """The operator's actions, newest first (creation time, then id, descending)."""
        ...

    async def last_failed_read(self, station_id: str) -> dict[str, Any] | None:
        """The response of the station's most recently updated failed configuration read."""
        ...


class ReportedConfiguration(Protocol):
    async def lane(self, station_id: str) -> LaneState | None: ...

    async def note_change(self, station_id: str, at: datetime | None, reboot_pending_since: datetime | None) -> None:
        """A change completed at `at`, and/or one waits for a reboot since `reboot_pending_since`
        (kept if one already waited); creates the station's lane state when it has none."""
        ...

    async def end_reboot_wait(self, station_id: str) -> None: ...

    async def note_boots(self, boots: Mapping[str, datetime]) -> None:
        """When each station last booted (stations with lane state or not)."""
        ...

    async def rebooting(self) -> set[str]:
        """Stations waiting for a reboot."""
        ...

    async def rows(self, station_id: str, lower_names: Collection[str] | None = None) -> list[ReportedRow]:
        """The reported settings in the order reported; only those whose lower-cased name is in
        `lower_names` when it is given."""
        ...

    async def values(self, station_id: str, names: Collection[str]) -> dict[str, str | None]:
        """Reported values of exactly these names (names not reported are absent)."""
        ...

    async def replace(self, station_id: str, rows: list[ReportedRow], read_at: datetime) -> None:
        """The station's whole reported configuration, read at `read_at` (names are unique)."""
        ...

    async def set_values(self, station_id: str, values: Mapping[str, str]) -> None:
        """Values read back; names the station never reported are skipped."""
        ...


class ConfiguredStations(Protocol):
    async def get(self, station_id: str) -> StationFacts | None: ...

    async def operators_of(self, station_ids: Collection[str]) -> dict[str, str]:
        """Station id -> operator id, for the stations that still exist."""
        ...

    async def baseline_enabled(self, operator_id: str) -> bool: ...

    async def set_heartbeat_interval(self, station_id: str, seconds: int) -> None: ...

    async def running_transaction(self, station_id: str) -> RunningTransaction | None:
        """One transaction the station reported started and not ended."""
        ...


class PendingPasswords(Protocol):
    async def add(self, action_id: str, station_id: str, password_hash: str, at: datetime, keep: int) -> None:
        """Keep `password_hash` pending for this action; of the station's pending ones only the `keep`
        newest stay."""
        ...

    async def get(self, action_id: str) -> str | None: ...

    async def drop(self, action_id: str) -> bool:
        """Returns whether one was pending."""
        ...

    async def lock_station(self, station_id: str) -> StationFacts | None:
        """The station, its row locked until the transaction ends where the database can lock rows (a
        login adopting a pending password changes the same row)."""
        ...

    async def adopt(self, station_id: str, password_hash: str, at: datetime) -> None:
        """The station holds `password_hash` from now on, and nothing else is pending for it."""
        ...


class ConfigurationTx(Protocol):
    """One open transaction."""

    @property
    def actions(self) -> Actions: ...

    @property
    def reported(self) -> ReportedConfiguration: ...

    @property
    def stations(self) -> ConfiguredStations: ...

    @property
    def passwords(self) -> PendingPasswords: ...

    @property
    def outbox(self) -> EventOutbox: ...


class ConfigurationStore(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[ConfigurationTx]:
        """A transaction of its own, committed when the block ends without an exception."""
        ...

    def reading(self) -> AbstractAsyncContextManager[ConfigurationTx]:
        """A read-only look (nothing written in it is kept)."""
        ...

    async def write(self, work: Callable[[ConfigurationTx], Awaitable[T]]) -> T:
        """Run `work` in a transaction shared with other writers (group commit); returns once it has
        committed. `work` must be safe to run again when its first run was rolled back."""
        ...

    async def drain(self) -> None:
        """Wait until every write handed over so far has committed (or failed)."""
        ...
