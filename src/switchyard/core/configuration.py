"""The configuration capability as the API and CLI use it: read, inspect, change, reset, follow actions.

Every request is checked completely before anything is stored (`change_checks`), then stored as an
action, then handed to the sequencer, which announces it (`requested`) as it sends it; nothing here
talks to a station.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from switchyard.cipher import SecretCipher
from switchyard.clock import Clock
from switchyard.core.action_targets import ReadTarget, ReadTrigger, ResetTarget
from switchyard.core.actions import ActionType, Phase, Status, create_action, expires_at, queued_action
from switchyard.core.change_checks import Reported, StationView, names_needed, resolve_change, value_text
from switchyard.core.config_details import detail_rows
from switchyard.core.principal import Principal
from switchyard.core.registry import own_station
from switchyard.core.sequencer import Sequencer
from switchyard.domain import ResetKind, Scope, StationRef
from switchyard.errors import Conflict, DomainError, InvalidInput, NotFound, TooManyRequests
from switchyard.ids import is_id, new_id
from switchyard.ports import StationControl
from switchyard.settings import Settings
from switchyard.store.config_tables import Action, ConfigurationState, ReportedSetting
from switchyard.store.database import Database
from switchyard.store.group_commit import GroupCommit
from switchyard.store.tables import Operator, Station, Transaction

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
        database: Database,
        sequencer: Sequencer,
        control: StationControl,
        cipher: SecretCipher,
        clock: Clock,
        settings: Settings,
        writes: GroupCommit,
        events_committed: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = database
        self._writes = writes
        self._events_committed = events_committed
        self._sequencer = sequencer
        self._control = control
        self._cipher = cipher
        self._clock = clock
        self._settings = settings

    # -- changes ------------------------------------------------------------------------------

    async def request_changes(self, who: Principal, station_id: str, changes: Sequence[ChangeRequest]) -> list[Action]:
        """Queue changes in order, all or none: one that fails its checks refuses the whole list."""
        who.require(Scope.WRITE)
        if not changes:
            raise InvalidInput("no change given")
        if len(changes) > MAX_CHANGES_PER_REQUEST:
            raise InvalidInput(f"at most {MAX_CHANGES_PER_REQUEST} changes per request; got {len(changes)}")
        now = self._clock.now()

        async def write(session: AsyncSession) -> list[Action] | DomainError:
            # Everything is checked before anything is added: a refusal leaves the shared
            # transaction untouched, and is handed back rather than raised so it cannot fail the others.
            try:
                station = await own_station(session, who, station_id)
                await self._check_room(session, station, len(changes))
                view = await self._view(session, station, [str(change.key) for change in changes])
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
                    await create_action(
                        session,
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
                        ),
                    )
                )
            return actions

        result = await self._writes.write(write)
        if isinstance(result, DomainError):
            raise result
        self._events_committed()
        self._sequencer.kick(result[0].station_id)
        return result

    async def _check_room(self, session: AsyncSession, station: Station, adding: int) -> None:
        """A station's queue is bounded: refuse what would take it past `max_open_actions`."""
        limit = self._settings.max_open_actions
        open_now = await session.scalar(
            select(func.count())
            .select_from(Action)
            .where(Action.station_id == station.id, Action.phase != Phase.DONE.value)
        )
        if (open_now or 0) + adding > limit:
            raise TooManyRequests(
                f"{station.identity} has {open_now} actions still open and at most {limit} may be; "
                "wait for some to finish (GET .../actions?status=requested)"
            )

    async def _view(self, session: AsyncSession, station: Station, keys: list[str]) -> StationView:
        state = await session.get(ConfigurationState, station.id)
        wanted = set().union(*(names_needed(station.ocpp_version, key) for key in keys))
        rows = await session.scalars(
            select(ReportedSetting).where(
                ReportedSetting.station_id == station.id, func.lower(ReportedSetting.name).in_(wanted)
            )
        )
        operator = await session.get(Operator, station.operator_id)
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
            baseline_on=operator is not None and operator.baseline_enabled,
            last_read_failure=None if read_at is not None else await _last_read_failure(session, station.id),
        )

    # -- reads and resets ---------------------------------------------------------------------

    async def request_read(self, who: Principal, station_id: str) -> Action:
        # Any key may ask for a read: it changes nothing on the station.
        now = self._clock.now()
        async with self._db.transaction() as session:
            station = await own_station(session, who, station_id)
            await self._check_room(session, station, 1)
            action = await create_action(
                session,
                queued_action(
                    operator_id=station.operator_id,
                    station_id=station.id,
                    type=ActionType.GET_CONFIGURATION,
                    data={},
                    target=ReadTarget(ReadTrigger.API),
                    now=now,
                    expires_at=expires_at(now, self._settings.action_expiry),
                    created_by=who.key_id,
                ),
            )
        self._events_committed()
        self._sequencer.kick(station.id)
        return action

    async def request_reset(
        self, who: Principal, station_id: str, kind: str, *, force: bool = False, reason: str | None = None
    ) -> Action:
        who.require(Scope.WRITE)
        now = self._clock.now()
        async with self._db.transaction() as session:
            station = await own_station(session, who, station_id)
            await self._check_room(session, station, 1)
            reset = ResetKind.named(kind)
            if reset is None:
                raise InvalidInput(f"type must be one of Hard, Soft, Immediate, OnIdle; got {kind!r}")
            ref = StationRef(station.id, station.identity, station.ocpp_version)
            if not force and not self._control.reset_waits_for_idle(ref, reset):
                running = await session.scalar(
                    select(Transaction)
                    .where(Transaction.station_id == station.id, Transaction.state == "active")
                    .limit(1)
                )
                if running is not None:
                    where = f" on connector {running.connector_id}" if running.connector_id is not None else ""
                    raise Conflict(
                        f"{station.identity} has a transaction running (transaction {running.transaction_ref}"
                        f'{where}); a reset would interrupt it. Send "force": true to reset anyway'
                    )
            action = await create_action(
                session,
                queued_action(
                    operator_id=station.operator_id,
                    station_id=station.id,
                    type=ActionType.RESET,
                    data={"type": kind},
                    target=ResetTarget(reset, force),
                    now=now,
                    expires_at=expires_at(now, self._settings.action_expiry),
                    created_by=who.key_id,
                    reason=reason,
                ),
            )
        self._events_committed()
        self._sequencer.kick(station.id)
        return action

    # -- inspection ---------------------------------------------------------------------------

    async def details(self, who: Principal, station_id: str) -> list[dict[str, Any]]:
        async with self._db.sessions() as session:
            station = await own_station(session, who, station_id)
            state = await session.get(ConfigurationState, station.id)
            if state is None or state.read_at is None:
                raise NotFound(
                    f"the configuration of {station.identity} has not been read yet; request a read "
                    f"(GET /v1.1/chargestations/{station.id}/configurations) first"
                )
            rows = await session.scalars(
                select(ReportedSetting)
                .where(ReportedSetting.station_id == station.id)
                .order_by(ReportedSetting.position)
            )
            operator = await session.get(Operator, station.operator_id)
            return detail_rows(list(rows), station.ocpp_version, operator is not None and operator.baseline_enabled)

    async def get_action(self, who: Principal, action_id: str) -> Action:
        async with self._db.sessions() as session:
            action = await session.get(Action, action_id) if is_id(action_id) else None
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
    ) -> Sequence[Action]:
        """The caller's actions, newest first: of one station, or of all its stations."""
        if status is not None and status not in {s.value for s in Status}:
            raise InvalidInput(f"status must be one of {', '.join(s.value for s in Status)}; got {status!r}")
        if type is not None and type not in {t.value for t in ActionType}:
            raise InvalidInput(f"type must be one of {', '.join(t.value for t in ActionType)}; got {type!r}")
        async with self._db.sessions() as session:
            query = select(Action).where(Action.operator_id == who.operator_id)
            if station_id is not None:
                station = await own_station(session, who, station_id)
                query = query.where(Action.station_id == station.id)
            if status is not None:
                query = query.where(Action.status == status)
            if type is not None:
                query = query.where(Action.type == type)
            query = query.order_by(Action.created_at.desc(), Action.id.desc()).limit(limit).offset(offset)
            return (await session.scalars(query)).all()


async def _last_read_failure(session: AsyncSession, station_id: str) -> str | None:
    """Why the newest failed configuration read of a station failed (None: none failed)."""
    response = await session.scalar(
        select(Action.response_data)
        .where(
            Action.station_id == station_id,
            Action.type == ActionType.GET_CONFIGURATION.value,
            Action.status == Status.FAILED.value,
        )
        .order_by(Action.updated_at.desc(), Action.id.desc())
        .limit(1)
    )
    if response is None:
        return None
    return str((response or {}).get("reason") or "it failed without a reason")
