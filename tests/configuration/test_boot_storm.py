"""A reconnect storm: many stations boot at once, and each boot queues a configuration read.

Issue 8 (item 9): after the configuration work the gateway benchmark's connect+boot of 5,000 stations
went from 0.31x to 0.56-0.68x of the baseline's time, and memory per idle station doubled. Every boot
was written in a transaction (and a task) of its own, queued behind the others for SQLite's one
writer.
"""

import asyncio
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from typing import Any

from sqlalchemy import event

from tests.configuration.support import actions_of
from tests.support import PASSWORD_16, RunningNode, boot, station


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
