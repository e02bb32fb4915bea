"""Reported configuration, lane state, pending passwords and station facts as the configuration
ports (`ports.configuration`) see them, in an open session."""

from collections.abc import Collection, Mapping
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from switchyard.ports.configuration import LaneState, ReportedRow, RunningTransaction, StationFacts
from switchyard.store.config_tables import ConfigurationState, PendingPassword, ReportedSetting
from switchyard.store.tables import Operator, Station, Transaction


class SqlReportedConfiguration:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lane(self, station_id: str) -> LaneState | None:
        state = await self._session.get(ConfigurationState, station_id)
        if state is None:
            return None
        return LaneState(
            read_at=state.read_at,
            reboot_pending=state.reboot_pending,
            reboot_pending_since=state.reboot_pending_since,
            last_change_at=state.last_change_at,
            booted_at=state.booted_at,
        )

    async def note_change(self, station_id: str, at: datetime | None, reboot_pending_since: datetime | None) -> None:
        state = await self._session.get(ConfigurationState, station_id)
        if state is None:  # rare: a station whose configuration was never read
            state = ConfigurationState(station_id=station_id, reboot_pending=False)
            self._session.add(state)
        if at is not None:
            state.last_change_at = at
        if reboot_pending_since is not None and not state.reboot_pending:
            state.reboot_pending = True
            state.reboot_pending_since = reboot_pending_since

    async def end_reboot_wait(self, station_id: str) -> None:
        state = await self._session.get(ConfigurationState, station_id)
        if state is not None:
            state.reboot_pending = False
            state.reboot_pending_since = None

    async def note_boots(self, boots: Mapping[str, datetime]) -> None:
        known = set(
            await self._session.scalars(
                select(ConfigurationState.station_id).where(ConfigurationState.station_id.in_(list(boots)))
            )
        )
        if known:
            await self._session.execute(
                update(ConfigurationState), [{"station_id": s, "booted_at": boots[s]} for s in known]
            )
        fresh = [s for s in boots if s not in known]
        if fresh:
            await self._session.execute(
                insert(ConfigurationState),
                [{"station_id": s, "reboot_pending": False, "booted_at": boots[s]} for s in fresh],
            )

    async def rebooting(self) -> set[str]:
        return set(
            await self._session.scalars(
                select(ConfigurationState.station_id).where(ConfigurationState.reboot_pending.is_(True))
            )
        )

    async def rows(self, station_id: str, lower_names: Collection[str] | None = None) -> list[ReportedRow]:
        query = select(ReportedSetting).where(ReportedSetting.station_id == station_id)
        if lower_names is not None:
            query = query.where(func.lower(ReportedSetting.name).in_(list(lower_names)))
        return [
            ReportedRow(row.name, row.value, row.readonly, row.writeonly, row.address, row.characteristics)
            for row in await self._session.scalars(query.order_by(ReportedSetting.position))
        ]

    async def values(self, station_id: str, names: Collection[str]) -> dict[str, str | None]:
        rows = await self._session.execute(
            select(ReportedSetting.name, ReportedSetting.value).where(
                ReportedSetting.station_id == station_id, ReportedSetting.name.in_(list(names))
            )
        )
        return {row.name: row.value for row in rows}

    async def replace(self, station_id: str, rows: list[ReportedRow], read_at: datetime) -> None:
        session = self._session
        await session.execute(delete(ReportedSetting).where(ReportedSetting.station_id == station_id))
        session.add_all(
            ReportedSetting(
                station_id=station_id,
                name=row.name,
                value=row.value,
                readonly=row.readonly,
                writeonly=row.writeonly,
                address=row.address,
                characteristics=row.characteristics,
                position=position,
            )
            for position, row in enumerate(rows)
        )
        state = await session.get(ConfigurationState, station_id)
        if state is None:
            session.add(ConfigurationState(station_id=station_id, read_at=read_at))
        else:
            state.read_at = read_at

    async def set_values(self, station_id: str, values: Mapping[str, str]) -> None:
        for name, value in values.items():
            await self._session.execute(
                update(ReportedSetting)
                .where(ReportedSetting.station_id == station_id, ReportedSetting.name == name)
                .values(value=value)
            )


class SqlConfiguredStations:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, station_id: str) -> StationFacts | None:
        row = (
            await self._session.execute(
                select(Station.id, Station.operator_id, Station.identity, Station.ocpp_version).where(
                    Station.id == station_id
                )
            )
        ).one_or_none()
        return None if row is None else StationFacts(*row)

    async def operators_of(self, station_ids: Collection[str]) -> dict[str, str]:
        rows = await self._session.execute(
            select(Station.id, Station.operator_id).where(Station.id.in_(list(station_ids)))
        )
        return {row.id: row.operator_id for row in rows}

    async def baseline_enabled(self, operator_id: str) -> bool:
        enabled = await self._session.scalar(select(Operator.baseline_enabled).where(Operator.id == operator_id))
        return bool(enabled)

    async def set_heartbeat_interval(self, station_id: str, seconds: int) -> None:
        await self._session.execute(update(Station).where(Station.id == station_id).values(heartbeat_interval=seconds))

    async def running_transaction(self, station_id: str) -> RunningTransaction | None:
        row = (
            await self._session.execute(
                select(Transaction.transaction_ref, Transaction.connector_id)
                .where(Transaction.station_id == station_id, Transaction.state == "active")
                .limit(1)
            )
        ).one_or_none()
        return None if row is None else RunningTransaction(*row)


class SqlPendingPasswords:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, action_id: str, station_id: str, password_hash: str, at: datetime, keep: int) -> None:
        session = self._session
        await session.merge(
            PendingPassword(action_id=action_id, station_id=station_id, password_hash=password_hash, created_at=at)
        )
        await session.flush()
        newest = (
            select(PendingPassword.action_id)
            .where(PendingPassword.station_id == station_id)
            .order_by(PendingPassword.created_at.desc())
            .limit(keep)
        )
        await session.execute(
            delete(PendingPassword).where(
                PendingPassword.station_id == station_id, PendingPassword.action_id.not_in(newest)
            )
        )

    async def get(self, action_id: str) -> str | None:
        return await self._session.scalar(
            select(PendingPassword.password_hash).where(PendingPassword.action_id == action_id)
        )

    async def drop(self, action_id: str) -> bool:
        dropped = await self._session.execute(
            delete(PendingPassword).where(PendingPassword.action_id == action_id).returning(PendingPassword.action_id)
        )
        return dropped.first() is not None

    async def lock_station(self, station_id: str) -> StationFacts | None:
        station = await self._session.get(Station, station_id, with_for_update=True)
        if station is None:
            return None
        return StationFacts(station.id, station.operator_id, station.identity, station.ocpp_version)

    async def adopt(self, station_id: str, password_hash: str, at: datetime) -> None:
        await self._session.execute(
            update(Station).where(Station.id == station_id).values(password_hash=password_hash, updated_at=at)
        )
        await self._session.execute(delete(PendingPassword).where(PendingPassword.station_id == station_id))
