from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import uvloop

from switchyard.sim.audit import AUDIT
from tests.support import RunningNode, running_node


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> Mapping[str, Callable[[], Any]]:
    # Production runs on uvloop, and the handshake gate swaps protocols on its transports.
    return {"uvloop": uvloop.new_event_loop}


@pytest.fixture
async def node(tmp_path: Path) -> AsyncIterator[RunningNode]:
    async with running_node(tmp_path) as running:
        yield running


@pytest.fixture(scope="session", autouse=True)
def simulated_frames_validate() -> Iterator[None]:
    """Every frame a simulated station sent, in the whole run, validated against the official schemas."""
    yield
    assert AUDIT.failures == [], "simulator sent invalid frames:\n" + "\n".join(AUDIT.failures[:20])
