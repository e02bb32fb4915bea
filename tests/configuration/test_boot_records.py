"""BootRecords during a reconnect storm: boots wait for the storm to pass (bounded), then are written
in transactions of at most MAX_BATCH boots. The database is replaced by a fake group commit that
notes which boots each transaction held."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from switchyard.core import boot_records
from switchyard.core.boot_records import BootRecords

BOOTED = datetime(2026, 12, 3, tzinfo=UTC)


class Transactions:
    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    async def write(self, work: Any) -> list[str]:
        stations = list(work.keywords["boots"])
        self.batches.append(stations)
        return stations


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(boot_records, "MIN_GAP", 0.05)
    monkeypatch.setattr(boot_records, "MAX_DEFER", 1.0)
    monkeypatch.setattr(boot_records, "MAX_BATCH", 40)


class Written(list[str]):
    """The stations whose boots were written; `reached(n)` waits until there are n."""

    def __init__(self) -> None:
        super().__init__()
        self._grew = asyncio.Event()

    def note(self, stations: list[str]) -> None:
        self.extend(stations)
        self._grew.set()

    async def reached(self, count: int) -> None:
        while len(self) < count:
            self._grew.clear()
            await self._grew.wait()


def records(transactions: Transactions, written: Written) -> BootRecords:
    return BootRecords(transactions, False, 60.0, written.note)  # type: ignore[arg-type]


async def boots(records: BootRecords, first: int, count: int) -> None:
    for n in range(first, first + count):
        records.add(f"S{n}", BOOTED)


async def test_a_storm_is_written_once_it_has_passed_in_bounded_batches(quick: None) -> None:
    transactions, written = Transactions(), Written()
    recorder = records(transactions, written)
    await boots(recorder, 0, 1)
    await asyncio.sleep(0)  # a quiet node writes a boot at once
    assert transactions.batches == [["S0"]]
    async with asyncio.timeout(5):
        for wave in range(4):  # 60 boots every 25 ms: faster than STORM per MIN_GAP
            await boots(recorder, 1 + 60 * wave, 60)
            await asyncio.sleep(0.025)
        assert len(transactions.batches) == 1, "written during the storm"
        await written.reached(241)
    assert sorted(written) == sorted(f"S{n}" for n in range(241))
    assert [len(batch) for batch in transactions.batches[1:]] == [40] * 6
    await recorder.stop(1.0)


async def test_a_storm_that_does_not_pass_is_written_after_max_defer(quick: None) -> None:
    transactions, written = Transactions(), Written()
    recorder = records(transactions, written)
    async with asyncio.timeout(5):  # boots keep coming; MAX_DEFER (1 s here) ends the wait
        wave = 0
        while len(transactions.batches) < 2:
            await boots(recorder, 60 * wave, 60)
            wave += 1
            await asyncio.sleep(0.025)
    assert len(transactions.batches[1]) == 40, "the storm was written in full batches while it went on"
    await recorder.stop(1.0)
    assert len(set(written)) == 60 * wave


async def test_stopping_writes_a_storm_at_once(quick: None) -> None:
    transactions, written = Transactions(), Written()
    recorder = records(transactions, written)
    await boots(recorder, 0, 200)
    async with asyncio.timeout(5):
        await recorder.stop(1.0)
    assert sorted(written) == sorted(f"S{n}" for n in range(200))
