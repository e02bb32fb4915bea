"""A reconnect storm: many stations boot at once, and each boot queues a configuration read.

Issue 8 (item 9): after the configuration work the gateway benchmark's connect+boot of 5,000 stations
went from 0.31x to 0.56-0.68x of the baseline's time, and memory per idle station doubled. Every boot
was written in a transaction (and a task) of its own, queued behind the others for SQLite's one
writer, and every boot read started at once, each with its lane's queries and a call waiting for
the station's answer.
"""

import asyncio
import json
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from typing import Any

from sqlalchemy import event, select

from switchyard.store.config_tables import Action, ConfigurationState
from tests.configuration.support import SETTINGS, actions_of, baseline, next_call
from tests.support import PASSWORD_16, RunningNode, boot, running_node, station


@contextmanager
def inserts_into(node: RunningNode, *tables: str) -> Iterator[dict[str, int]]:
    """Counts the INSERT statements the node sends into each of `tables` (a multi-row one counts once)."""
    counts = dict.fromkeys(tables, 0)

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        for table in tables:
            if statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()} "):
                counts[table] += 1

    engine = node.sy.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", seen)


async def boot_together(node: RunningNode, identities: list[str], stack: AsyncExitStack) -> list[Any]:
    """Connects every station first, then sends all their BootNotifications at once."""
    sockets = [await stack.enter_async_context(station(node.ws_url, name, PASSWORD_16)) for name in identities]
    await asyncio.gather(*(boot(ws) for ws in sockets))
    return sockets


async def test_boots_arriving_together_share_their_writes(node: RunningNode) -> None:
    """40 boots at once: each station gets its boot read, written with the others' in a few
    statements (it was one transaction per boot: 40 inserts of a lane state, 40 of an action)."""
    names = [f"STORM-{n:02d}" for n in range(40)]
    ids = [(await node.add_station(name, password=PASSWORD_16))["_id"] for name in names]
    with inserts_into(node, "configuration_states", "actions") as inserts:
        async with AsyncExitStack() as stack:
            await boot_together(node, names, stack)
            async with asyncio.timeout(10):
                while True:
                    reads = [await actions_of(node, i, type="chargestation.get_configuration") for i in ids]
                    if all(len(found) == 1 for found in reads):
                        break
                    await asyncio.sleep(0.05)
    assert all(found[0]["audit"]["requestedBy"] is None for found in reads)
    assert inserts["configuration_states"] <= 4, inserts
    assert inserts["actions"] <= 4, inserts


async def test_boot_reads_run_a_few_at_a_time(tmp_path: Any) -> None:
    """Ten stations boot and none answers its read: three reads are out at a time, the others stay
    queued, and each read that ends lets the next one go (all ten were sent at once)."""
    settings = {**SETTINGS, "boot_read_concurrency": 3, "configuration_read_timeout": 60.0}
    async with running_node(tmp_path, **settings) as node:
        await baseline(node, enabled=False)
        names = [f"SLOW-{n}" for n in range(10)]
        ids = {name: (await node.add_station(name, password=PASSWORD_16))["_id"] for name in names}
        async with AsyncExitStack() as stack:
            sockets = dict(zip(names, await boot_together(node, names, stack), strict=True))
            waiting = {asyncio.create_task(next_call(ws, "GetConfiguration")): name for name, ws in sockets.items()}
            try:
                sent = await _reads_sent(waiting, 3)
                phases = {name: await _read_phase(node, ids[name]) for name in names}
                assert sorted(name for name, phase in phases.items() if phase == "queued") == sorted(
                    set(names) - set(sent)
                ), phases
                assert node.sy.sequencer.busy_stations() == 3

                first, read = next(iter(sent.items()))
                await sockets[first].send(json.dumps([3, read[1], {"configurationKey": []}]))
                more = await _reads_sent(waiting, 1)
                assert set(more).isdisjoint(sent)
            finally:
                for task in waiting:
                    task.cancel()
                await asyncio.gather(*waiting, return_exceptions=True)


async def _reads_sent(waiting: dict[asyncio.Task[list[Any]], str], count: int) -> dict[str, list[Any]]:
    """The next `count` stations to receive their GetConfiguration (taken out of `waiting`)."""
    sent: dict[str, list[Any]] = {}
    async with asyncio.timeout(10):
        while len(sent) < count:
            done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                sent[waiting.pop(task)] = task.result()
    return sent


async def _read_phase(node: RunningNode, station_id: str) -> str:
    """The phase of the station's boot read, once its boot has been written."""
    async with asyncio.timeout(10):
        while True:
            reads = await actions_of(node, station_id, type="chargestation.get_configuration")
            if reads:
                return str(reads[0]["phase"])
            await asyncio.sleep(0.02)


async def test_boots_seen_before_the_node_stops_are_written(node: RunningNode) -> None:
    """The second of two boots in quick succession waits for the next batch; the node stops meanwhile.
    Both boots are written before it stops (dropped, the second station's reboot wait and its boot
    read would only come with its next boot)."""
    ids = [(await node.add_station(name, password=PASSWORD_16))["_id"] for name in ("STOP-A", "STOP-B")]
    async with AsyncExitStack() as stack:
        await boot_together(node, ["STOP-A"], stack)
        await boot_together(node, ["STOP-B"], stack)
        async with asyncio.timeout(10):
            await node.sy.sequencer.stop()
    async with node.sy.db.sessions() as session:
        booted = dict(
            (await session.execute(select(ConfigurationState.station_id, ConfigurationState.booted_at))).all()
        )
        reads = set(
            await session.scalars(select(Action.station_id).where(Action.type == "chargestation.get_configuration"))
        )
    assert set(ids) <= {station for station, at in booted.items() if at is not None}
    assert set(ids) <= reads
