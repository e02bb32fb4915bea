"""Operators, API keys, sites and charge stations as the registry ports (`ports.registry`) see them,
in an open session.

Rows come back as records from plain column selects and are written with plain statements: a record
is a copy, so nothing written to it later reaches the database by itself.
"""

from dataclasses import asdict
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from switchyard.ports.registry import (
    ApiKeyRecord,
    OperatorChanges,
    OperatorRecord,
    RegisteredStation,
    SiteChanges,
    SiteRecord,
    StationFields,
    given,
)
from switchyard.store.config_tables import PendingPassword
from switchyard.store.tables import ApiKey, Operator, Site, Station

R = TypeVar("R")


def _columns(table: type[DeclarativeBase]) -> Select[Any]:
    return select(*table.__table__.columns)


class _Rows:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _one(self, record: type[R], query: Select[Any]) -> R | None:
        row = (await self._session.execute(query)).one_or_none()
        return None if row is None else record(**row._mapping)

    async def _all(self, record: type[R], query: Select[Any]) -> list[R]:
        return [record(**row._mapping) for row in await self._session.execute(query)]

    async def _count(self, query: Select[Any]) -> int:
        return await self._session.scalar(query) or 0


class SqlOperators(_Rows):
    async def count(self) -> int:
        return await self._count(select(func.count()).select_from(Operator))

    async def all(self) -> list[OperatorRecord]:
        return await self._all(OperatorRecord, _columns(Operator).order_by(Operator.created_at, Operator.id))

    async def get(self, operator_id: str) -> OperatorRecord | None:
        return await self._one(OperatorRecord, _columns(Operator).where(Operator.id == operator_id))

    async def named(self, name: str) -> OperatorRecord | None:
        return await self._one(OperatorRecord, _columns(Operator).where(Operator.name == name))

    async def first_platform(self) -> OperatorRecord | None:
        query = _columns(Operator).where(Operator.platform.is_(True)).order_by(Operator.created_at).limit(1)
        return await self._one(OperatorRecord, query)

    async def add(self, operator: OperatorRecord) -> None:
        await self._session.execute(insert(Operator).values(**asdict(operator)))

    async def update(self, operator_id: str, changes: OperatorChanges, at: datetime) -> None:
        values = {**given(changes), "updated_at": at}
        await self._session.execute(update(Operator).where(Operator.id == operator_id).values(**values))

    async def delete(self, operator_id: str) -> None:
        await self._session.execute(delete(Operator).where(Operator.id == operator_id))


class SqlApiKeys(_Rows):
    async def count(self) -> int:
        return await self._count(select(func.count()).select_from(ApiKey))

    async def get(self, key_id: str) -> ApiKeyRecord | None:
        return await self._one(ApiKeyRecord, _columns(ApiKey).where(ApiKey.id == key_id))

    async def with_platform(self, key_id: str) -> tuple[ApiKeyRecord, bool] | None:
        query = (
            select(*ApiKey.__table__.columns, Operator.platform.label("_platform"))
            .join(Operator, Operator.id == ApiKey.operator_id)
            .where(ApiKey.id == key_id)
        )
        row = (await self._session.execute(query)).one_or_none()
        if row is None:
            return None
        values = dict(row._mapping)
        platform = values.pop("_platform")
        return ApiKeyRecord(**values), bool(platform)

    async def of_operator(self, operator_id: str) -> list[ApiKeyRecord]:
        query = _columns(ApiKey).where(ApiKey.operator_id == operator_id).order_by(ApiKey.created_at, ApiKey.id)
        return await self._all(ApiKeyRecord, query)

    async def add(self, key: ApiKeyRecord) -> None:
        await self._session.execute(insert(ApiKey).values(**asdict(key)))

    async def note_use(self, key_id: str, at: datetime) -> None:
        await self._session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=at))

    async def revoke(self, key_id: str, at: datetime) -> None:
        await self._session.execute(update(ApiKey).where(ApiKey.id == key_id).values(revoked_at=at))


class SqlSites(_Rows):
    async def get(self, site_id: str) -> SiteRecord | None:
        return await self._one(SiteRecord, _columns(Site).where(Site.id == site_id))

    async def of_operator(self, operator_id: str) -> list[SiteRecord]:
        query = _columns(Site).where(Site.operator_id == operator_id).order_by(Site.created_at, Site.id)
        return await self._all(SiteRecord, query)

    async def add(self, site: SiteRecord) -> None:
        await self._session.execute(insert(Site).values(**asdict(site)))

    async def update(self, site_id: str, changes: SiteChanges, at: datetime) -> None:
        values = {**given(changes), "updated_at": at}
        await self._session.execute(update(Site).where(Site.id == site_id).values(**values))

    async def delete(self, site_id: str) -> None:
        await self._session.execute(delete(Site).where(Site.id == site_id))


class SqlStations(_Rows):
    async def get(self, station_id: str) -> RegisteredStation | None:
        return await self._one(RegisteredStation, _columns(Station).where(Station.id == station_id))

    async def by_identity(self, identity: str) -> RegisteredStation | None:
        return await self._one(RegisteredStation, _columns(Station).where(Station.identity == identity))

    async def of_operator(
        self,
        operator_id: str,
        *,
        site_id: str | None = None,
        identity: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[RegisteredStation]:
        query = _columns(Station).where(Station.operator_id == operator_id)
        if site_id is not None:
            query = query.where(Station.site_id == site_id)
        if identity is not None:
            query = query.where(Station.identity == identity)
        query = query.order_by(Station.created_at, Station.id).limit(limit).offset(offset)
        return await self._all(RegisteredStation, query)

    async def count_of_operator(self, operator_id: str) -> int:
        return await self._count(select(func.count()).where(Station.operator_id == operator_id))

    async def count_in_site(self, site_id: str) -> int:
        return await self._count(select(func.count()).where(Station.site_id == site_id))

    async def add(self, station: RegisteredStation) -> None:
        await self._session.execute(insert(Station).values(**asdict(station)))

    async def update(self, station_id: str, fields: StationFields, at: datetime) -> None:
        values = {**given(fields), "updated_at": at}
        await self._session.execute(update(Station).where(Station.id == station_id).values(**values))

    async def delete(self, station_id: str) -> None:
        await self._session.execute(delete(Station).where(Station.id == station_id))

    async def drop_pending_passwords(self, station_id: str) -> None:
        await self._session.execute(delete(PendingPassword).where(PendingPassword.station_id == station_id))
