"""The configuration capability as the API and CLI use it: read, inspect, change, reset, follow actions.

Every request is checked completely before anything is stored (`change_checks`), then stored as an
action, then handed to the sequencer, which announces it (`requested`) as it sends it; nothing here
talks to a station.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from switchyard.cipher import SecretCipher
from switchyard.clock import Clock
from switchyard.core.action_targets import ReadTarget, ReadTrigger, ResetTarget
from switchyard.core.actions import ActionType, Status, expires_at, queued_action
from switchyard.core.change_checks import Reported, StationView, names_needed, resolve_change, value_text
from switchyard.core.config_details import detail_rows
from switchyard.core.principal import Principal
from switchyard.core.sequencer import Sequencer
from switchyard.domain import ResetKind, Scope, StationRef
from switchyard.errors import Conflict, DomainError, InvalidInput, NotFound, TooManyRequests
from switchyard.ids import is_id, new_id
from switchyard.ports import StationControl
from switchyard.ports.configuration import ActionRecord, ConfigurationStore, ConfigurationTx, StationFacts
from switchyard.settings import Settings

# Queued at most this many changes in one request: a list is a queue, but not an unbounded one.
MAX_CHANGES_PER_REQUEST = 100


@dataclass(frozen=True, slots=True)
class ChangeRequest:
    key: str
    value: Any
    reason: str | None = None
    attribute_type: str | None = None


class Configuration:
    def __init__(
        self,
        store: ConfigurationStore,
        sequencer: Sequencer,
        control: StationControl,
        cipher: SecretCipher,
        clock: Clock,
        settings: Settings,
        events_committed: Callable[[], None] = lambda: None,
    ) -> None:
        self._store = store
        self._events_committed = events_committed
        self._sequencer = sequencer
        self._control = control
        self._cipher = cipher
        self._clock = clock
        self._settings = settings

    # -- changes ------------------------------------------------------------------------------

    async def request_changes(
        self, who: Principal, station_id: str, changes: Sequence[ChangeRequest]
    ) -> list[ActionRecord]:
        """Queue changes in order, all or none: one that fails its checks refuses the whole list."""
        who.require(Scope.WRITE)
        if not changes:
            raise InvalidInput("no change given")
        if len(changes) > MAX_CHANGES_PER_REQUEST:
            raise InvalidInput(f"at most {MAX_CHANGES_PER_REQUEST} changes per request; got {len(changes)}")
        now = self._clock.now()

        async def write(tx: ConfigurationTx) -> list[ActionRecord] | DomainError:
            # Everything is checked before anything is added: a refusal leaves the shared
            # transaction untouched, and is handed back rather than raised so it cannot fail the others.
            try:
                station = await own_station(tx, who, station_id)
                await self._check_room(tx, station, len(changes))
                view = await self._view(tx, station, [str(change.key) for change in changes])
                resolved = []
                for index, change in enumerate(changes):
                    try:
                        value = value_text(change.value)
                        resolved.append((change, value, resolve_change(view, change.key, value, change.attribute_type)))
                    except DomainError as error:
                        if len(changes) > 1:
                            error.message = f"change {index + 1}: {error.message}"
                        raise
            except DomainError as error:
                return error
            actions = []
            for index, (change, value, checked) in enumerate(resolved):
                action_id = new_id()
                secret = self._cipher.encrypt(checked.value, action_id) if checked.secret else None
                actions.append(
                    queued_action(
                        action_id=action_id,
                        operator_id=station.operator_id,
                        station_id=station.id,
                        type=ActionType.UPDATE_CONFIGURATION,
                        data={"key": change.key, "value": "***" if checked.secret else value},
                        target=checked.target,
                        # Distinct instants keep the queue in the order given (actions sort by creation).
                        now=now + timedelta(microseconds=index),
                        expires_at=expires_at(now, self._settings.action_expiry),
                        created_by=who.key_id,
                        reason=change.reason,
                        value_before=checked.value_before,
                        secret=secret,
                    )
                )
            await tx.actions.add_many(actions)
            return actions

        result = await self._store.write(write)
        if isinstance(result, DomainError):
            raise result
        self._events_committed()
        self._sequencer.kick(result[0].station_id)
        return result

    async def _check_room(self, tx: ConfigurationTx, station: StationFacts, adding: int) -> None:
        """A station's queue is bounded: refuse what would take it past `max_open_actions`."""
        limit = self._settings.max_open_actions
        open_now = await tx.actions.count_open(station.id)
        if open_now + adding > limit:
            raise TooManyRequests(
                f"{station.identity} has {open_now} actions still open and at most {limit} may be; "
                "wait for some to finish (GET .../actions?status=requested)"
            )

    async def _view(self, tx: ConfigurationTx, station: StationFacts, keys: list[str]) -> StationView:
        state = await tx.reported.lane(station.id)
        wanted = set().union(*(names_needed(station.ocpp_version, key) for key in keys))
        rows = await tx.reported.rows(station.id, wanted)
        read_at = state.read_at if state is not None else None
        return StationView(
            station_id=station.id,
            identity=station.identity,
            ocpp_version=station.ocpp_version,
            read_at=read_at,
            reported={
                row.name.lower(): Reported(row.name, row.value, row.readonly, row.writeonly, row.characteristics)
                for row in rows
            },
            baseline_on=await tx.stations.baseline_enabled(station.operator_id),
            last_read_failure=None if read_at is not None else await _last_read_failure(tx, station.id),
        )

    # -- reads and resets ---------------------------------------------------------------------

    async def request_read(self, who: Principal, station_id: str) -> ActionRecord:
        # Any key may ask for a read: it changes nothing on the station.
        now = self._clock.now()
        async with self._store.transaction() as tx:
            station = await own_station(tx, who, station_id)
            await self._check_room(tx, station, 1)
            action = queued_action(
                operator_id=station.operator_id,
                station_id=station.id,
                type=ActionType.GET_CONFIGURATION,
                data={},
                target=ReadTarget(ReadTrigger.API),
                now=now,
                expires_at=expires_at(now, self._settings.action_expiry),
                created_by=who.key_id,
            )
            await tx.actions.add(action)
        self._events_committed()
        self._sequencer.kick(station.id)
        return action

    async def request_reset(
        self, who: Principal, station_id: str, kind: str, *, force: bool = False, reason: str | None = None
    ) -> ActionRecord:
        who.require(Scope.WRITE)
        now = self._clock.now()
        async with self._store.transaction() as tx:
            station = await own_station(tx, who, station_id)
            await self._check_room(tx, station, 1)
            reset = ResetKind.named(kind)
            if reset is None:
                raise InvalidInput(f"type must be one of Hard, Soft, Immediate, OnIdle; got {kind!r}")
            ref = StationRef(station.id, station.identity, station.ocpp_version)
            if not force and not self._control.reset_waits_for_idle(ref, reset):
                running = await tx.stations.running_transaction(station.id)
                if running is not None:
                    where = f" on connector {running.connector_id}" if running.connector_id is not None else ""
                    raise Conflict(
                        f"{station.identity} has a transaction running (transaction {running.transaction_ref}"
                        f'{where}); a reset would interrupt it. Send "force": true to reset anyway'
                    )
            action = queued_action(
                operator_id=station.operator_id,
                station_id=station.id,
                type=ActionType.RESET,
                data={"type": kind},
                target=ResetTarget(reset, force),
                now=now,
                expires_at=expires_at(now, self._settings.action_expiry),
                created_by=who.key_id,
                reason=reason,
            )
            await tx.actions.add(action)
        self._events_committed()
        self._sequencer.kick(station.id)
        return action

    # -- inspection ---------------------------------------------------------------------------

    async def details(self, who: Principal, station_id: str) -> list[dict[str, Any]]:
        async with self._store.reading() as tx:
            station = await own_station(tx, who, station_id)
            state = await tx.reported.lane(station.id)
            if state is None or state.read_at is None:
                raise NotFound(
                    f"the configuration of {station.identity} has not been read yet; request a read "
                    f"(GET /v1.1/chargestations/{station.id}/configurations) first"
                )
            rows = await tx.reported.rows(station.id)
            baseline_on = await tx.stations.baseline_enabled(station.operator_id)
        return detail_rows(rows, station.ocpp_version, baseline_on)

    async def get_action(self, who: Principal, action_id: str) -> ActionRecord:
        async with self._store.reading() as tx:
            action = await tx.actions.get(action_id) if is_id(action_id) else None
        if action is None or action.operator_id != who.operator_id:
            raise NotFound(f"action {action_id} not found")
        return action

    async def list_actions(
        self,
        who: Principal,
        station_id: str | None = None,
        *,
        status: str | None = None,
        type: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[ActionRecord]:
        """The caller's actions, newest first: of one station, or of all its stations."""
        if status is not None and status not in {s.value for s in Status}:
            raise InvalidInput(f"status must be one of {', '.join(s.value for s in Status)}; got {status!r}")
        if type is not None and type not in {t.value for t in ActionType}:
            raise InvalidInput(f"type must be one of {', '.join(t.value for t in ActionType)}; got {type!r}")
        async with self._store.reading() as tx:
            station = await own_station(tx, who, station_id) if station_id is not None else None
            return await tx.actions.newest(
                who.operator_id,
                station_id=station.id if station is not None else None,
                status=status,
                type=type,
                limit=limit,
                offset=offset,
            )


async def own_station(tx: ConfigurationTx, who: Principal, station_id: str) -> StationFacts:
    """The caller's station; another operator's does not exist for it (404, same as an unknown id)."""
    station = await tx.stations.get(station_id) if is_id(station_id) else None
    if station is None or station.operator_id != who.operator_id:
        raise NotFound(f"charge station {station_id} not found")
    return station


async def _last_read_failure(tx: ConfigurationTx, station_id: str) -> str | None:
    """Why the newest failed configuration read of a station failed (None: none failed)."""
    response = await tx.actions.last_failed_read(station_id)
    if response is None:
        return None
    return str(response.get("reason") or "it failed without a reason")
