"""Reading a station's configuration, whole or key by key, and keeping the last report.

The station's adapter (`ports.StationControl`) reads; this keeps what it read as the station's reported
configuration, and the message-size limits the station reported, which bound later reads by name.
"""

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from switchyard.clock import Clock
from switchyard.domain import ACTUAL, Setting, StationRef
from switchyard.ports import Progress, StationControl
from switchyard.protocol.adapters import setting_rules
from switchyard.protocol.setting_rules import SettingRules, entry_by_name
from switchyard.store.config_tables import ConfigurationState, ReportedSetting
from switchyard.store.database import Database


class ConfigurationReader:
    def __init__(self, database: Database, control: StationControl, clock: Clock) -> None:
        self._db = database
        self._control = control
        self._clock = clock
        # Per station: the message-size limits it reported (by name), until its next full read.
        self._limits: dict[str, dict[str, str | None]] = {}

    # -- whole configuration ------------------------------------------------------------------

    async def read(self, station: StationRef, timeout: float, progress: Progress | None = None) -> list[Setting]:
        """Ask the station for everything and store it as its reported configuration.

        `progress` hears how far a paged (2.0.1) report has come, in words, after each page.
        """
        settings = await self._control.read_all(station, timeout, progress)
        await self._store_all(station, settings)
        return settings

    # -- named settings -----------------------------------------------------------------------

    async def read_values(
        self,
        station: StationRef,
        names: list[str],
        timeout: float,
        attribute_type: str = ACTUAL,
        *,
        store: bool = True,
    ) -> dict[str, str | None]:
        """The current values of `names` (None: unknown to the station).

        Actual values are kept as reported unless `store` is False (the caller stores them with
        `store_values`, in a transaction of its own).
        """
        limits = await self._reported_limits(station)
        values = await self._control.read_values(station, names, timeout, limits, attribute_type)
        if attribute_type == ACTUAL and store:
            async with self._db.transaction() as session:
                await self.store_values(session, station.station_id, values)
        return values

    async def _reported_limits(self, station: StationRef) -> dict[str, str | None]:
        """The message-size limits the station reported (read-only; cached until its next full read)."""
        known = self._limits.get(station.station_id)
        if known is None:
            names = self._control.limit_names(station)
            async with self._db.sessions() as session:
                rows = await session.execute(
                    select(ReportedSetting.name, ReportedSetting.value).where(
                        ReportedSetting.station_id == station.station_id, ReportedSetting.name.in_(names)
                    )
                )
            reported: dict[str, str | None] = {row.name: row.value for row in rows}
            known = self._limits[station.station_id] = {name: reported.get(name) for name in names}
        return known

    # -- storage ------------------------------------------------------------------------------

    async def _store_all(self, station: StationRef, settings: list[Setting]) -> None:
        station_id, rules = station.station_id, setting_rules(station.ocpp_version)
        now = self._clock.now()
        # The limits come with the report: no query for them until the next one.
        reported = {setting.name: setting.value for setting in settings}
        self._limits[station_id] = {name: reported.get(name) for name in self._control.limit_names(station)}
        async with self._db.transaction() as session:
            await session.execute(delete(ReportedSetting).where(ReportedSetting.station_id == station_id))
            seen: set[str] = set()
            for position, setting in enumerate(settings):
                if setting.name in seen:
                    continue  # a station listing a key twice: the first one counts
                seen.add(setting.name)
                session.add(
                    ReportedSetting(
                        station_id=station_id,
                        name=setting.name,
                        value=_at_rest(setting.name, setting.value, rules),
                        readonly=setting.readonly,
                        writeonly=setting.writeonly,
                        address=setting.address,
                        characteristics=setting.characteristics,
                        position=position,
                    )
                )
            state = await session.get(ConfigurationState, station_id)
            if state is None:
                session.add(ConfigurationState(station_id=station_id, read_at=now))
            else:
                state.read_at = now

    async def store_values(self, session: AsyncSession, station_id: str, values: dict[str, str | None]) -> None:
        """Values read back, kept as reported (in the caller's transaction); unknown names are skipped."""
        for name, value in values.items():
            if value is None or _is_secret(name):
                continue
            await session.execute(
                update(ReportedSetting)
                .where(ReportedSetting.station_id == station_id, ReportedSetting.name == name)
                .values(value=value)
            )


def _is_secret(name: str) -> bool:
    entry = entry_by_name(name)
    return entry is not None and entry.secret


def _at_rest(name: str, value: str | None, rules: SettingRules) -> str | None:
    """A secret some firmware reports anyway (AuthorizationKey) is not kept."""
    entry = rules.entry(name)
    return None if entry is not None and entry.secret else value
