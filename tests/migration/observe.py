"""What the end-to-end migration tests look at besides the migration object: a node that also listens
on wss://, the registry's record of a station, the webhook events a migration wrote, and the confirm
call an external CSMS makes."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import trustme

from switchyard.ports.registry import RegisteredStation
from switchyard.sim.spec import StationSpec
from switchyard.sim.station import SimulatedStation
from tests.migration.conftest import FAST
from tests.sim.support import register, station_id
from tests.support import RunningNode, running_node, tls_settings


@asynccontextmanager
async def booted(specs: list[StationSpec], *nodes: RunningNode) -> AsyncIterator[list[SimulatedStation]]:
    """The stations registered at each of `nodes`, running and booted Accepted where they start."""
    for spec in specs:
        for node in nodes:
            await register(node, spec)
    async with AsyncExitStack() as stack:
        stations = [await stack.enter_async_context(SimulatedStation(spec)) for spec in specs]
        for station in stations:
            assert await station.wait_booted() == "Accepted", station.identity
        yield stations


def to_peer(target: RunningNode, api_url: str, stations: list[str], **extra: Any) -> dict[str, Any]:
    """A migration body that moves `stations` to `target`, a peer Switchyard asked through `api_url`."""
    return {
        "targetUrl": target.ws_url,
        "stations": stations,
        "securityProfile": 1,
        "confirmation": {"mode": "peer", "apiUrl": api_url, "apiKey": target.admin_key},
        **extra,
    }


@asynccontextmanager
async def tls_node(folder: Path) -> AsyncIterator[tuple[RunningNode, Path, str]]:
    """A node with a wss:// listener too, its files in `folder` (which exists); yields it, the CA file a
    station trusts, and that CA's PEM (what a 2.0.1 station installs as its CSMS root)."""
    ca = trustme.CA()
    async with running_node(folder, **FAST, **tls_settings(folder, ca, client_ca=False)) as running:
        yield running, folder / "ca.pem", ca.cert_pem.bytes().decode()


async def registered(node: RunningNode, identity: str) -> RegisteredStation:
    """The station as the registry holds it, with what the API does not show (its migrating profile)."""
    found_id = await station_id(node, identity)
    async with node.sy.registry_store.reading() as tx:
        found = await tx.stations.get(found_id)
    assert found is not None
    return found


async def events(node: RunningNode, kind: str, identity: str | None = None) -> list[dict[str, Any]]:
    """The envelopes of the webhook events of type `kind` (or a pattern like `migration.*`), about
    `identity` if given, oldest first: the outbox's insertion order, in which subscribers get them."""
    params: dict[str, Any] = {"type": kind, "limit": 500}
    if identity is not None:
        params["station"] = await station_id(node, identity)
    response = await node.api.get("/v1.1/webhooks/events", params=params, headers=node.auth())
    assert response.status_code == 200, response.text
    return [e["envelope"] for e in reversed(response.json()["result"])]


async def confirm(node: RunningNode, job_id: str, identity: str, status: int = 200) -> dict[str, Any]:
    path = f"/v1.1/migrations/{job_id}/stations/{identity}/confirm"
    response = await node.api.post(path, headers=node.auth())
    assert response.status_code == status, response.text
    return response.json()  # type: ignore[no-any-return]
