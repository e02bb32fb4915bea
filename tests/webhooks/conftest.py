import io
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog

from switchyard import logs
from tests.support import RunningNode, running_node
from tests.webhooks.receiver import Receiver

# Retries in tens of milliseconds, so back-off and giving up fit in a test.
FAST: dict[str, Any] = {
    "webhook_retry_base": 0.05,
    "webhook_retry_max_delay": 0.2,
    "webhook_give_up_after": 60.0,
    "webhook_poll_interval": 0.2,
    "webhook_timeout": 2.0,
}


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    served = Receiver()
    await served.start()
    try:
        yield served
    finally:
        await served.stop()


@pytest.fixture
async def node(tmp_path: Path) -> AsyncIterator[RunningNode]:
    async with running_node(tmp_path, **FAST) as running:
        yield running


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
