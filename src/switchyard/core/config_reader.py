"""Reading a station's configuration, whole or key by key, and keeping the last report.

1.6: GetConfiguration without keys returns every key; read-backs of named keys are chunked by the
station's GetConfigurationMaxKeys. 2.0.1: GetBaseReport(FullInventory) and every NotifyReport page
(a page that does not arrive in time, or a gap in seqNo, fails the read); read-backs use GetVariables
chunked by DeviceDataCtrlr.ItemsPerMessage and BytesPerMessage.
"""

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from switchyard.bus.local import REPORT_PAGE, LocalBus, StationEvent
from switchyard.clock import Clock
from switchyard.core.config_details import entry_for
from switchyard.core.setting_names import Address, parse_address
from switchyard.domain import ReportPage
from switchyard.ports import StationLink
from switchyard.protocol.framing import encode_json
from switchyard.store.config_tables import ConfigurationState, ReportedSetting
from switchyard.store.database import Database

# Used until the station has told us its own limits.
DEFAULT_KEYS_PER_REQUEST = 20
DEFAULT_ITEMS_PER_MESSAGE = 10
KEYS_PER_REQUEST = "GetConfigurationMaxKeys"
ITEMS_PER_REQUEST = "DeviceDataCtrlr.ItemsPerMessage[GetVariables]"
BYTES_PER_REQUEST = "DeviceDataCtrlr.BytesPerMessage[GetVariables]"
LIMITS = (KEYS_PER_REQUEST, ITEMS_PER_REQUEST, BYTES_PER_REQUEST)


# Told how far a long read has come, in words.
Progress = Callable[[str], Awaitable[None]]


class ReadFailed(Exception):
    """The configuration could not be read; the message says what was missing."""


@dataclass(frozen=True, slots=True)
class StationRef:
    station_id: str
    identity: str
    ocpp_version: str


@dataclass(slots=True)
class Setting:
    name: str
    value: str | None
    readonly: bool
    writeonly: bool = False
    address: dict[str, Any] | None = None
    characteristics: dict[str, Any] | None = None


class ConfigurationReader:
    def __init__(
        self, database: Database, link: StationLink, bus: LocalBus, clock: Clock, page_timeout: float = 30.0
    ) -> None:
        self._db = database
        self._link = link
        self._clock = clock
        self._page_timeout = page_timeout
        self._collecting: dict[tuple[str, int], asyncio.Queue[ReportPage]] = {}
        self._request_ids = itertools.count(int(time.time()) % 1_000_000)
        # Per station: the message-size limits it reported, until its next full read.
        self._limits: dict[str, dict[str, int | None]] = {}
        bus.subscribe(REPORT_PAGE, self._on_page)

    # -- whole configuration ------------------------------------------------------------------

    async def read(self, station: StationRef, timeout: float, progress: Progress | None = None) -> list[Setting]:
        """Ask the station for everything and store it as its reported configuration.

        `progress` hears how far a paged (2.0.1) report has come, in words, after each page.
        """
        if station.ocpp_version == "1.6":
            answer = await self._link.call(station.identity, "GetConfiguration", {}, timeout)
            settings = [
                Setting(entry["key"], entry.get("value"), bool(entry["readonly"]))
                for entry in answer.get("configurationKey", [])
            ]
        else:
            settings = await self._base_report(station, timeout, progress)
        await self._store_all(station.station_id, settings, station.ocpp_version)
        return settings

    async def _base_report(self, station: StationRef, timeout: float, progress: Progress | None) -> list[Setting]:
        request_id = next(self._request_ids)
        pages: asyncio.Queue[ReportPage] = asyncio.Queue()
        self._collecting[(station.station_id, request_id)] = pages
        try:
            answer = await self._link.call(
                station.identity, "GetBaseReport", {"requestId": request_id, "reportBase": "FullInventory"}, timeout
            )
            if answer["status"] != "Accepted":
                raise ReadFailed(f"GetBaseReport answered {answer['status']}")
            settings: list[Setting] = []
            expected = 0
            while True:
                try:
                    async with asyncio.timeout(self._page_timeout):
                        page = await pages.get()
                except TimeoutError:
                    raise ReadFailed(
                        f"NotifyReport page {expected} of request {request_id} did not arrive "
                        f"within {self._page_timeout:g} s"
                    ) from None
                if page.seq_no != expected:
                    raise ReadFailed(f"NotifyReport page {expected} is missing (page {page.seq_no} arrived)")
                settings += [_from_report(entry) for entry in page.report_data]
                expected += 1
                if not page.tbc:
                    return settings
                if progress is not None:
                    await progress(
                        f"reading: {_count(expected, 'NotifyReport page')} so far, {_count(len(settings), 'variable')}"
                    )
        finally:
            self._collecting.pop((station.station_id, request_id), None)

    def _on_page(self, event: StationEvent) -> None:
        page: ReportPage = event.detail
        queue = self._collecting.get((event.station_id, page.request_id))
        if queue is not None:
            queue.put_nowait(page)

    # -- named settings -----------------------------------------------------------------------

    async def read_values(
        self,
        station: StationRef,
        names: list[str],
        timeout: float,
        attribute_type: str = "Actual",
        *,
        store: bool = True,
    ) -> dict[str, str | None]:
        """The current values of `names` (None: unknown to the station).

        Actual values are kept as reported unless `store` is False (the caller stores them with
        `store_values`, in a transaction of its own).
        """
        values: dict[str, str | None] = {}
        if station.ocpp_version == "1.6":
            size = await self._limit(station.station_id, KEYS_PER_REQUEST, DEFAULT_KEYS_PER_REQUEST)
            for chunk in _chunks(names, size):
                answer = await self._link.call(station.identity, "GetConfiguration", {"key": chunk}, timeout)
                reported = {e["key"].lower(): e.get("value") for e in answer.get("configurationKey", [])}
                values.update({name: reported.get(name.lower()) for name in chunk})
        else:
            items = await self._limit(station.station_id, ITEMS_PER_REQUEST, DEFAULT_ITEMS_PER_MESSAGE)
            byte_limit = await self._limit(station.station_id, BYTES_PER_REQUEST, 0)
            for addresses in _variable_chunks(names, items, byte_limit):
                data = [address.ocpp() for address in addresses]
                if attribute_type != "Actual":
                    data = [{**item, "attributeType": attribute_type} for item in data]
                answer = await self._link.call(station.identity, "GetVariables", {"getVariableData": data}, timeout)
                for result in answer["getVariableResult"]:
                    name = Address.of(result["component"], result["variable"]).name
                    values[name] = result.get("attributeValue") if result["attributeStatus"] == "Accepted" else None
        if attribute_type == "Actual" and store:
            async with self._db.transaction() as session:
                await self.store_values(session, station.station_id, values)
        return values

    async def _limit(self, station_id: str, name: str, default: int) -> int:
        """A message-size limit the station reported (read-only; cached until its next full read)."""
        known = self._limits.setdefault(station_id, {})
        if name not in known:
            async with self._db.sessions() as session:
                value = await session.scalar(
                    select(ReportedSetting.value).where(
                        ReportedSetting.station_id == station_id, ReportedSetting.name == name
                    )
                )
            known[name] = _positive(value)
        return known[name] or default

    # -- storage ------------------------------------------------------------------------------

    async def _store_all(self, station_id: str, settings: list[Setting], ocpp_version: str) -> None:
        now = self._clock.now()
        # The limits come with the report: no query for them until the next one.
        reported = {setting.name: setting.value for setting in settings}
        self._limits[station_id] = {name: _positive(reported.get(name)) for name in LIMITS}
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
                        value=_at_rest(setting.name, setting.value, ocpp_version),
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


def _positive(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and int(value) > 0 else None


def _is_secret(name: str) -> bool:
    # A 1.6 key or a 2.0.1 Component.Variable: the name's shape says which.
    entry = entry_for(name, "2.0.1" if parse_address(name) is not None else "1.6")
    return entry is not None and entry.secret


def _at_rest(name: str, value: str | None, ocpp_version: str) -> str | None:
    """A secret some firmware reports anyway (AuthorizationKey) is not kept."""
    entry = entry_for(name, ocpp_version)
    return None if entry is not None and entry.secret else value


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _from_report(entry: dict[str, Any]) -> Setting:
    address = Address.of(entry["component"], entry["variable"])
    attributes = entry.get("variableAttribute") or [{}]
    actual = next((a for a in attributes if a.get("type", "Actual") == "Actual"), attributes[0])
    mutability = actual.get("mutability", "ReadWrite")
    return Setting(
        name=address.name,
        value=actual.get("value"),
        readonly=mutability == "ReadOnly",
        writeonly=mutability == "WriteOnly",
        address={"component": entry["component"], "variable": entry["variable"]},
        characteristics=entry.get("variableCharacteristics"),
    )


def _chunks(names: list[str], size: int) -> list[list[str]]:
    return [names[start : start + size] for start in range(0, len(names), max(size, 1))]


def _variable_chunks(names: list[str], items: int, byte_limit: int) -> list[list[Address]]:
    """Chunks that respect both ItemsPerMessage and (roughly, with room for the frame) BytesPerMessage."""
    chunks: list[list[Address]] = []
    current: list[Address] = []
    for name in names:
        address = parse_address(name)
        if address is None:
            continue
        candidate = [*current, address]
        too_big = byte_limit and len(encode_json({"getVariableData": [a.ocpp() for a in candidate]})) + 60 > byte_limit
        if current and (len(candidate) > items or too_big):
            chunks.append(current)
            current = [address]
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks
