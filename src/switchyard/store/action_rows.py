"""Actions as `ports.configuration.Actions`: rows of the `actions` table in an open session.

Rows come back as `ActionRecord`s from plain column selects: the lanes read every open action of
their station on each step, and an ORM identity map would only add to that.
"""

from collections.abc import Collection, Mapping
from dataclasses import asdict
from typing import Any

from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from switchyard.ports.configuration import ActionRecord
from switchyard.store.config_tables import Action, ReportedSetting

_DONE = "done"
_QUEUED = "queued"
_FAILED = "failed"
_READ = "chargestation.get_configuration"
_COLUMNS = tuple(Action.__table__.columns)


def _records() -> Select[Any]:
    return select(*_COLUMNS)


class SqlActions:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, action: ActionRecord) -> None:
        await self._session.execute(insert(Action).values(**asdict(action)))

    async def add_many(self, actions: Collection[ActionRecord]) -> None:
        if actions:
            await self._session.execute(insert(Action), [asdict(action) for action in actions])

    async def get(self, action_id: str) -> ActionRecord | None:
        row = (await self._session.execute(_records().where(Action.id == action_id))).one_or_none()
        return None if row is None else ActionRecord(**row._mapping)

    async def open_for(self, station_id: str) -> list[ActionRecord]:
        rows = await self._session.execute(
            _records()
            .where(Action.station_id == station_id, Action.phase != _DONE)
            .order_by(Action.created_at, Action.id)
        )
        return [ActionRecord(**row._mapping) for row in rows]

    async def count_open(self, station_id: str) -> int:
        count = await self._session.scalar(
            select(func.count()).select_from(Action).where(Action.station_id == station_id, Action.phase != _DONE)
        )
        return count or 0

    async def stations_with_open(self) -> set[str]:
        return set(await self._session.scalars(select(Action.station_id).where(Action.phase != _DONE).distinct()))

    async def queued_reads(self, station_ids: Collection[str]) -> set[str]:
        return set(
            await self._session.scalars(
                select(Action.station_id).where(
                    Action.station_id.in_(list(station_ids)), Action.type == _READ, Action.phase == _QUEUED
                )
            )
        )

    async def update(self, action_id: str, values: Mapping[str, Any]) -> None:
        await self._session.execute(update(Action).where(Action.id == action_id).values(**values))

    async def update_before_of(self, action_id: str, values: Mapping[str, Any], setting: str) -> str | None:
        station_id = select(Action.station_id).where(Action.id == action_id).scalar_subquery()
        reported = (
            select(ReportedSetting.value)
            .where(ReportedSetting.station_id == station_id, ReportedSetting.name == setting)
            .scalar_subquery()
        )
        statement = (
            update(Action)
            .where(Action.id == action_id)
            .values(**values, value_before=reported)
            .returning(Action.value_before)
        )
        before: str | None = (await self._session.execute(statement)).scalar_one()
        return before

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
        query = _records().where(Action.operator_id == operator_id)
        if station_id is not None:
            query = query.where(Action.station_id == station_id)
        if status is not None:
            query = query.where(Action.status == status)
        if type is not None:
            query = query.where(Action.type == type)
        query = query.order_by(Action.created_at.desc(), Action.id.desc()).limit(limit).offset(offset)
        return [ActionRecord(**row._mapping) for row in await self._session.execute(query)]

    async def last_failed_read(self, station_id: str) -> dict[str, Any] | None:
        response: dict[str, Any] | None = await self._session.scalar(
            select(Action.response_data)
            .where(Action.station_id == station_id, Action.type == _READ, Action.status == _FAILED)
            .order_by(Action.updated_at.desc(), Action.id.desc())
            .limit(1)
        )
        return response
