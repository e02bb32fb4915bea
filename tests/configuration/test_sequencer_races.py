"""Interleavings of a lane's step with station events, made deterministic by landing the event at a
chosen await inside the step."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from switchyard.bus.local import StationConnected
from switchyard.core.sequencer import _Lane
from tests.support import RunningNode


class _ReconnectDuringRead:
    """Stands in for the store: while the step reads the station's lane state, the station
    reconnects (the bus event arrives between two of the step's awaits)."""

    def __init__(self, store: Any, on_read: Any) -> None:
        self._store = store
        self._on_read = on_read

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Any]:
        async with self._store.reading() as tx:
            original = tx.reported.lane

            async def lane(station_id: str) -> Any:
                found = await original(station_id)
                self._on_read()
                return found

            tx.reported.lane = lane
            yield tx


async def test_a_reconnect_in_the_middle_of_a_step_does_not_break_it(node: RunningNode) -> None:
    """Regression: the step read `lane.station` again after awaiting the database; a reconnect in
    between had cleared it, and the step failed with AttributeError: 'NoneType' object has no
    attribute 'identity' (129 times in one fuzz run)."""
    created = await node.add_station("RACE-1")
    record = await node.sy.directory.find("RACE-1")
    assert record is not None
    sequencer = node.sy.sequencer
    lane = _Lane(asyncio.Event())
    sequencer._lanes[created["_id"]] = lane
    reconnects = 0

    def reconnect() -> None:
        nonlocal reconnects
        reconnects += 1
        sequencer._on_connected(StationConnected(created["_id"], "RACE-1", record))

    sequencer._store = _ReconnectDuringRead(node.sy.configuration_store, reconnect)  # type: ignore[assignment]
    try:
        until = await sequencer._step(created["_id"], lane)
    finally:
        sequencer._store = node.sy.configuration_store
        del sequencer._lanes[created["_id"]]
    assert reconnects == 1, "the reconnect landed inside the step"
    assert until is None, "nothing is open for this station: the step ends the lane"
    assert lane.station is None, "the next step reloads the station that reconnected"
