"""How a station's password is stored depends on who chose it (ADR 0008).

A password Switchyard generated is random (160 or 192 bits) and is hashed without stretching; one an
operator chose may be guessable and gets the configured PBKDF2 iterations. Both let the station in.
"""

import pytest
from sqlalchemy import select

from switchyard.store.tables import Station
from tests.api.helpers import expect, unique
from tests.support import PASSWORD_16, PASSWORD_201, RunningNode, boot, station

STATIONS = "/v1.1/chargestations"


async def _stored_hash(node: RunningNode, station_id: str) -> str:
    async with node.sy.db.sessions() as session:
        stored = await session.scalar(select(Station.password_hash).where(Station.id == station_id))
    assert stored is not None
    return stored


def _iterations(stored: str) -> int:
    algorithm, iterations, *_ = stored.split("$")
    assert algorithm == "pbkdf2_sha256"
    return int(iterations)


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_a_generated_password_is_not_stretched_and_lets_the_station_in(node: RunningNode, version: str) -> None:
    identity = unique("CP")
    body = {"identity": identity, "ocppVersion": version, "securityProfile": 1}
    created = expect(await node.api.post(STATIONS, json=body, headers=node.auth()), 201)
    assert _iterations(await _stored_hash(node, created["_id"])) == 1
    async with station(node.ws_url, identity, created["password"], version=version) as ws:
        assert (await boot(ws, version))["status"] == "Accepted"


@pytest.mark.parametrize(("version", "password"), [("1.6", PASSWORD_16), ("2.0.1", PASSWORD_201)])
async def test_a_chosen_password_gets_the_configured_iterations(node: RunningNode, version: str, password: str) -> None:
    configured = node.sy.settings.station_password_iterations
    assert configured > 1
    identity = unique("CP")
    body = {"identity": identity, "ocppVersion": version, "securityProfile": 1, "password": password}
    created = expect(await node.api.post(STATIONS, json=body, headers=node.auth()), 201)
    assert _iterations(await _stored_hash(node, created["_id"])) == configured
    # A password the operator sets later is chosen too, whatever the station had before.
    bare = {"identity": unique("CP"), "ocppVersion": version, "securityProfile": 1}
    generated = expect(await node.api.post(STATIONS, json=bare, headers=node.auth()), 201)
    url = f"{STATIONS}/{generated['_id']}"
    expect(await node.api.patch(url, json={"password": password}, headers=node.auth()), 200)
    assert _iterations(await _stored_hash(node, generated["_id"])) == configured
    async with station(node.ws_url, identity, password, version=version) as ws:
        assert (await boot(ws, version))["status"] == "Accepted"
