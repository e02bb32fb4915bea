"""The configuration reader with the version adapters on a scripted station link: what a read stores, and
the limits for reads by name that it takes from the stored report. (Paging, gaps and chunking as such
are the adapters' and are tested there: tests/protocol/test_control.py.)"""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from switchyard.bus.local import REPORT_PAGE, LocalBus, ReportPageArrived
from switchyard.clock import SystemClock
from switchyard.core.config_reader import ConfigurationReader
from switchyard.domain import ReportPage, StationRef
from switchyard.protocol.adapters import StationControls
from switchyard.store.config_tables import ConfigurationState, ReportedSetting
from switchyard.store.configuration_store import DatabaseConfigurationStore
from switchyard.store.database import Database
from switchyard.store.group_commit import GroupCommit
from tests.scripted_link import ScriptedLink
from tests.store.rows import add_operator_with_stations

NOW = datetime(2026, 1, 1, tzinfo=UTC)
STATION_ID = "5" * 24


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'reader.db'}")
    await db.upgrade()
    await add_operator_with_stations(db, "o" * 24, [(STATION_ID, "CP-R")])
    yield db
    await db.close()


def reader_on(database: Database, link: "ScriptedLink", bus: LocalBus | None = None) -> ConfigurationReader:
    store = DatabaseConfigurationStore(database, GroupCommit(database))
    return ConfigurationReader(store, StationControls(link, bus or LocalBus(), page_timeout=2), SystemClock())


def variable(component: str, name: str, value: str, mutability: str = "ReadWrite") -> dict[str, Any]:
    return {
        "component": {"name": component},
        "variable": {"name": name},
        "variableAttribute": [{"value": value, "mutability": mutability}],
        "variableCharacteristics": {"dataType": "integer", "supportsMonitoring": False},
    }


def publish_pages(bus: LocalBus, pages: list[ReportPage]) -> None:
    async def later() -> None:
        await asyncio.sleep(0.01)
        for page in pages:
            bus.publish(REPORT_PAGE, ReportPageArrived(STATION_ID, "CP-R", page))

    asyncio.get_running_loop().create_task(later())


async def test_a_base_report_is_gathered_from_every_page_and_stored(database: Database) -> None:
    bus = LocalBus()
    pages: list[ReportPage] = []

    def answer(action: str, payload: dict[str, Any]) -> dict[str, Any]:
        request_id = payload["requestId"]
        pages.extend(
            [
                ReportPage(request_id, 0, True, "t", [variable("OCPPCommCtrlr", "HeartbeatInterval", "900")]),
                ReportPage(request_id, 1, False, "t", [variable("SecurityCtrlr", "SecurityProfile", "2", "ReadOnly")]),
            ]
        )
        publish_pages(bus, pages)
        return {"status": "Accepted"}

    reader = reader_on(database, ScriptedLink(answer), bus)
    told: list[str] = []

    async def progress(text: str) -> None:
        told.append(text)

    settings = await reader.read(StationRef(STATION_ID, "CP-R", "2.0.1"), timeout=2, progress=progress)
    assert told == ["reading: 1 NotifyReport page so far, 1 variable"]  # after each page but the last
    assert [(s.name, s.value, s.readonly) for s in settings] == [
        ("OCPPCommCtrlr.HeartbeatInterval", "900", False),
        ("SecurityCtrlr.SecurityProfile", "2", True),
    ]
    async with database.sessions() as session:
        stored = (await session.scalars(select(ReportedSetting).order_by(ReportedSetting.position))).all()
        state = await session.get(ConfigurationState, STATION_ID)
    assert [row.name for row in stored] == ["OCPPCommCtrlr.HeartbeatInterval", "SecurityCtrlr.SecurityProfile"]
    assert stored[0].characteristics == {"dataType": "integer", "supportsMonitoring": False}
    assert state is not None
    assert state.read_at is not None


async def test_16_reads_by_name_are_chunked_by_get_configuration_max_keys(database: Database) -> None:
    async with database.transaction() as session:
        session.add(ReportedSetting(station_id=STATION_ID, name="GetConfigurationMaxKeys", value="4", readonly=True))

    def answer(action: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {"configurationKey": [{"key": k, "readonly": False, "value": "1"} for k in payload["key"]]}

    link = ScriptedLink(answer)
    reader = reader_on(database, link)
    names = [f"Key{i}" for i in range(10)]
    values = await reader.read_values(StationRef(STATION_ID, "CP-R", "1.6"), names, timeout=2)
    assert [len(payload["key"]) for _, payload in link.calls] == [4, 4, 2]
    assert values == dict.fromkeys(names, "1")


async def test_201_reads_by_name_are_chunked_by_items_and_bytes_per_message(database: Database) -> None:
    async with database.transaction() as session:
        for name, value in (
            ("DeviceDataCtrlr.ItemsPerMessage[GetVariables]", "3"),
            ("DeviceDataCtrlr.BytesPerMessage[GetVariables]", "260"),
        ):
            session.add(ReportedSetting(station_id=STATION_ID, name=name, value=value, readonly=True))

    def answer(action: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {
            "getVariableResult": [
                {"attributeStatus": "Accepted", "attributeValue": "7", **item} for item in payload["getVariableData"]
            ]
        }

    link = ScriptedLink(answer)
    reader = reader_on(database, link)
    names = [f"SampledDataCtrlr.Variable{i}" for i in range(7)]
    values = await reader.read_values(StationRef(STATION_ID, "CP-R", "2.0.1"), names, timeout=2)
    sizes = [len(payload["getVariableData"]) for _, payload in link.calls]
    assert sum(sizes) == 7
    assert max(sizes) <= 3
    assert len(sizes) > 3  # the byte limit, not only the item limit, split them
    assert values == dict.fromkeys(names, "7")
