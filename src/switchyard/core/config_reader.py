"""Reading a station's configuration, whole or key by key, and keeping the last report.

The station's adapter (`ports.StationControl`) reads; this keeps what it read as the station's reported
configuration, and the message-size limits the station reported, which bound later reads by name.
"""

from switchyard.clock import Clock
from switchyard.domain import ACTUAL, Setting, StationRef
from switchyard.ports import Progress, StationControl
from switchyard.ports.configuration import ConfigurationStore, ConfigurationTx, ReportedRow
from switchyard.protocol.adapters import setting_rules
from switchyard.protocol.setting_rules import SettingRules, entry_by_name


class ConfigurationReader:
    def __init__(self, store: ConfigurationStore, control: StationControl, clock: Clock) -> None:
        self._store = store
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
            async with self._store.transaction() as tx:
                await self.store_values(tx, station.station_id, values)
        return values

    async def _reported_limits(self, station: StationRef) -> dict[str, str | None]:
        """The message-size limits the station reported (read-only; cached until its next full read)."""
        known = self._limits.get(station.station_id)
        if known is None:
            names = self._control.limit_names(station)
            async with self._store.reading() as tx:
                reported = await tx.reported.values(station.station_id, names)
            known = self._limits[station.station_id] = {name: reported.get(name) for name in names}
        return known

    # -- storage ------------------------------------------------------------------------------

    async def _store_all(self, station: StationRef, settings: list[Setting]) -> None:
        station_id, rules = station.station_id, setting_rules(station.ocpp_version)
        now = self._clock.now()
        # The limits come with the report: no query for them until the next one.
        reported = {setting.name: setting.value for setting in settings}
        self._limits[station_id] = {name: reported.get(name) for name in self._control.limit_names(station)}
        seen: set[str] = set()
        rows: list[ReportedRow] = []
        for setting in settings:
            if setting.name in seen:
                continue  # a station listing a key twice: the first one counts
            seen.add(setting.name)
            rows.append(
                ReportedRow(
                    name=setting.name,
                    value=_at_rest(setting.name, setting.value, rules),
                    readonly=setting.readonly,
                    writeonly=setting.writeonly,
                    address=setting.address,
                    characteristics=setting.characteristics,
                )
            )
        async with self._store.transaction() as tx:
            await tx.reported.replace(station_id, rows, now)

    async def store_values(self, tx: ConfigurationTx, station_id: str, values: dict[str, str | None]) -> None:
        """Values read back, kept as reported (in the caller's transaction); unknown names are skipped."""
        kept = {name: value for name, value in values.items() if value is not None and not _is_secret(name)}
        if kept:
            await tx.reported.set_values(station_id, kept)


def _is_secret(name: str) -> bool:
    entry = entry_by_name(name)
    return entry is not None and entry.secret


def _at_rest(name: str, value: str | None, rules: SettingRules) -> str | None:
    """A secret some firmware reports anyway (AuthorizationKey) is not kept."""
    entry = rules.entry(name)
    return None if entry is not None and entry.secret else value
