"""Station lookups for the gateway's handshake (implements `switchyard.ports.StationDirectory`)."""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from switchyard.clock import Clock
from switchyard.domain import RegistrationState, StationRecord
from switchyard.errors import NotFound
from switchyard.ids import new_id
from switchyard.store.database import Database
from switchyard.store.tables import Operator, Station


def record_of(station: Station) -> StationRecord:
    return StationRecord(
        station_id=station.id,
        identity=station.identity,
        operator_id=station.operator_id,
        ocpp_version=station.ocpp_version,
        security_profile=station.security_profile,
        password_hash=station.password_hash,
        registration_state=RegistrationState(station.registration_state),
        last_boot_status=station.last_boot_status,
        serial_number=station.serial_number,
    )


class DatabaseStationDirectory:
    def __init__(self, database: Database, clock: Clock, open_registration_operator: str | None = None) -> None:
        self._db = database
        self._clock = clock
        self._operator_name = open_registration_operator

    async def find(self, identity: str) -> StationRecord | None:
        async with self._db.sessions() as session:
            station = await session.scalar(select(Station).where(Station.identity == identity))
            return None if station is None else record_of(station)

    async def register_unknown(
        self, identity: str, ocpp_version: str, security_profile: int, password_hash: str | None
    ) -> StationRecord:
        """Register a station nobody created: unassigned to a site, and Pending until an operator accepts it."""
        now = self._clock.now()
        try:
            async with self._db.transaction() as session:
                operator_id = await self._operator_id(session)
                station = Station(
                    id=new_id(),
                    operator_id=operator_id,
                    identity=identity,
                    ocpp_version=ocpp_version,
                    security_profile=security_profile,
                    password_hash=password_hash,
                    registration_state=RegistrationState.PENDING.value,
                    connection_state="disconnected",
                    created_at=now,
                    updated_at=now,
                )
                session.add(station)
            return record_of(station)
        except IntegrityError:
            # Registered concurrently by another connection of the same identity.
            existing = await self.find(identity)
            if existing is None:
                raise
            return existing

    async def _operator_id(self, session: AsyncSession) -> str:
        query = select(Operator.id)
        if self._operator_name:
            query = query.where(Operator.name == self._operator_name)
        else:
            query = query.where(Operator.platform.is_(True)).order_by(Operator.created_at)
        operator_id = await session.scalar(query.limit(1))
        if operator_id is None:
            raise NotFound(f"open registration: operator {self._operator_name or '(platform)'} does not exist")
        return operator_id
