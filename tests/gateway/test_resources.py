"""What a connection leaves behind, and what a connect storm costs the database."""

import asyncio
import gc
from pathlib import Path

from switchyard.gateway.gate import HandshakeGate
from switchyard.store.station_directory import DatabaseStationDirectory
from tests.support import PASSWORD_16, RunningNode, boot, running_node, station


async def test_the_handshake_gate_lets_go_of_the_request_after_hand_over(node: RunningNode) -> None:
    """Regression: uvloop keeps a reference to the replaced protocol, so every gate lived as long as
    its connection, with its parser and the request bytes (2 KiB a station)."""
    await node.add_station("CP-1")
    async with station(node.ws_url, "CP-1", PASSWORD_16) as ws:
        await boot(ws)
        gc.collect()
        gates = [o for o in gc.get_objects() if isinstance(o, HandshakeGate)]
        assert gates, "uvloop still references the gate; this test checks what it holds"
        for gate in gates:
            assert gate._parser is None
            assert gate._transport is None
            assert len(gate._buffer) == 0
            assert gate._head.headers == []


async def test_concurrent_lookups_share_one_query(tmp_path: Path) -> None:
    async with running_node(tmp_path) as node:
        for index in range(30):
            await node.add_station(f"CP-{index}")
        directory = node.sy.directory
        assert isinstance(directory, DatabaseStationDirectory)
        queries = []
        original = directory._fetch

        async def counted(identities: list[str]) -> dict[str, object]:
            queries.append(list(identities))
            return await original(identities)

        directory._fetch = counted  # type: ignore[method-assign]
        names = [f"CP-{index}" for index in range(30)] + ["CP-3", "NOBODY"]
        records = await asyncio.gather(*(directory.find(name) for name in names))
        assert len(queries) == 1
        assert sorted(queries[0]) == sorted(set(names))
        assert [r.identity if r else None for r in records] == [*names[:-1], None]
        assert records[3] is not records[30], "each session gets its own record"


async def test_a_failing_lookup_fails_only_its_batch(tmp_path: Path) -> None:
    async with running_node(tmp_path) as node:
        await node.add_station("CP-1")
        directory = node.sy.directory
        assert isinstance(directory, DatabaseStationDirectory)
        original = directory._fetch
        calls = 0

        async def flaky(identities: list[str]) -> dict[str, object]:
            nonlocal calls
            calls += 1
            if calls == 1:
                raise OSError("disk gone")
            return await original(identities)

        directory._fetch = flaky  # type: ignore[method-assign]
        first = await asyncio.gather(directory.find("CP-1"), return_exceptions=True)
        assert isinstance(first[0], OSError)
        record = await directory.find("CP-1")
        assert record is not None
        assert record.identity == "CP-1"
