"""The security profile this deployment admits a station with, around a same-deployment migration
that changes it (1 → 2: ws:// to wss://, or 2 → 3).

Before the reset the station is admitted on the target's profile too (`migrating_security_profile`);
a station that arrives with it keeps only the new one from then on (a later connection on the old
profile is refused, as TC_A_19 expects); a station that ends any other way keeps only its old one. A
station that fell back stays admitted on both, so a retry can still move it; its rollback ends that.
"""

from switchyard.clock import Clock
from switchyard.core.migration.model import ConfirmationMode, StationState, Target
from switchyard.core.migration.state import Procedure
from switchyard.domain import StationRef
from switchyard.ports.registry import RegistryStore, StationFields


class RegistryProfiles:
    def __init__(self, store: RegistryStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def before_reset(self, station: StationRef, target: Target) -> None:
        if target.confirmation.mode is not ConfirmationMode.SAME_DEPLOYMENT:
            return
        async with self._store.transaction() as tx:
            current = await tx.stations.get(station.station_id)
            if current is None or current.security_profile == target.security_profile:
                return
            fields = StationFields(migrating_security_profile=target.security_profile)
            await tx.stations.update(station.station_id, fields, self._clock.now())

    async def settle(self, station: StationRef, target: Target, procedure: Procedure) -> None:
        if (
            target.confirmation.mode is not ConfirmationMode.SAME_DEPLOYMENT
            or procedure.state is StationState.FELL_BACK
        ):
            return
        async with self._store.transaction() as tx:
            current = await tx.stations.get(station.station_id)
            if current is None or current.migrating_security_profile is None:
                return
            if procedure.state is StationState.CONFIRMED:
                fields = StationFields(security_profile=target.security_profile, migrating_security_profile=None)
            else:
                fields = StationFields(migrating_security_profile=None)
            await tx.stations.update(station.station_id, fields, self._clock.now())
