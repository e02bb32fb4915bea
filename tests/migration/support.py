"""Two Switchyard nodes on loopback, node B's API served over real HTTP (a peer target is asked through
it), simulated stations, and migrations driven through node A's API."""

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from switchyard.api.app import create_app
from switchyard.runner import api_server
from tests.support import RunningNode


@asynccontextmanager
async def served_api(node: RunningNode) -> AsyncIterator[str]:
    """Node's API on a real loopback port, for a peer that asks it over HTTP; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = api_server(create_app(node.sy), "127.0.0.1", port)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:  # noqa: ASYNC110 (uvicorn has no event for it)
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()


async def start_migration(node: RunningNode, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
    response = await node.api.post("/v1.1/migrations", json=body, headers=node.auth())
    assert response.status_code == status, response.text
    return response.json()["result"]  # type: ignore[no-any-return]


async def migration(node: RunningNode, job_id: str) -> dict[str, Any]:
    response = await node.api.get(f"/v1.1/migrations/{job_id}", headers=node.auth())
    assert response.status_code == 200, response.text
    return response.json()["result"]  # type: ignore[no-any-return]


async def wait_for_migration(
    node: RunningNode,
    job_id: str,
    done: Callable[[dict[str, Any]], bool],
    timeout: float = 30.0,
    every: float = 0.05,
) -> dict[str, Any]:
    """The migration once `done(it)` holds, asked every `every` seconds; fails with its last state after
    `timeout` seconds."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + timeout
    while True:
        current = await migration(node, job_id)
        if done(current):
            return current
        if loop.time() > give_up:
            raise AssertionError(f"migration did not get there in {timeout} s: {current}")
        await asyncio.sleep(every)


def states(job: dict[str, Any]) -> dict[str, str]:
    return {s["identity"]: s["state"] for s in job["stations"]}


def ended(job: dict[str, Any]) -> bool:
    return job["status"] in ("completed", "stopped", "cancelled")
