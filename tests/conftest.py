import io
import logging
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import structlog
import uvloop

from switchyard import logs
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


@pytest.fixture
def debug_logs() -> Iterator[io.StringIO]:
    """switchyard.logs at DEBUG, written to a buffer; the previous configuration is restored after."""
    saved_structlog = structlog.get_config()
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    buffer = io.StringIO()
    logs.configure("debug", stream=buffer, cache=False)
    try:
        yield buffer
    finally:
        structlog.configure(**saved_structlog)
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
