"""Scopes (read < write < admin) and bearer authentication."""

from typing import Any

import pytest

from tests.api.helpers import Tenant, bearer, create_key, expect, make_tenant, snapshot, unique
from tests.support import PASSWORD_16, RunningNode

READ_NEEDS_WRITE = "this API key has scope 'read'; 'write' is required"
READ_NEEDS_ADMIN = "this API key has scope 'read'; 'admin' is required"
WRITE_NEEDS_ADMIN = "this API key has scope 'write'; 'admin' is required"
PLATFORM_ONLY = "only admin keys of a platform operator may manage other operators"


@pytest.fixture
async def tenant(node: RunningNode) -> Tenant:
    return await make_tenant(node, unique("Scoped"))


def _station_body() -> dict[str, Any]:
    return {"identity": unique("CP"), "ocppVersion": "1.6", "securityProfile": 1, "password": PASSWORD_16}


def _mutations(t: Tenant) -> list[tuple[str, str, dict[str, Any] | None]]:
    """Every mutating request of a tenant on its own resources."""
    return [
        ("POST", "/v1.1/sites", {"name": unique("site")}),
        ("PATCH", f"/v1.1/sites/{t.site['_id']}", {"address": "changed"}),
        ("DELETE", f"/v1.1/sites/{t.site['_id']}", None),
        ("POST", "/v1.1/chargestations", _station_body()),
        ("PATCH", f"/v1.1/chargestations/{t.station['_id']}", {"serialNumber": "changed"}),
        ("DELETE", f"/v1.1/chargestations/{t.station['_id']}", None),
        ("POST", "/v1.1/apikeys", {"name": "more", "scope": "read"}),
        ("DELETE", f"/v1.1/apikeys/{t.write_key_id}", None),
        ("POST", "/v1.1/operators", {"name": unique("op")}),
        ("PATCH", f"/v1.1/operators/{t.id}", {"name": "changed"}),
        ("DELETE", f"/v1.1/operators/{t.id}", None),
    ]


async def test_a_read_key_reads_but_changes_nothing(node: RunningNode, tenant: Tenant) -> None:
    api, headers = node.api, bearer(tenant.read_key)
    assert expect(await api.get("/v1.1/sites", headers=headers), 200)[0]["_id"] == tenant.site["_id"]
    assert expect(await api.get(f"/v1.1/sites/{tenant.site['_id']}", headers=headers), 200)
    assert expect(await api.get("/v1.1/chargestations", headers=headers), 200)[0]["_id"] == tenant.station["_id"]
    assert expect(await api.get(f"/v1.1/chargestations/{tenant.station['_id']}", headers=headers), 200)
    assert expect(await api.get(f"/v1.1/operators/{tenant.id}", headers=headers), 200)["_id"] == tenant.id
    # API keys are an admin matter, even to read.
    expect(await api.get("/v1.1/apikeys", headers=headers), 403, READ_NEEDS_ADMIN)
    expect(await api.get(f"/v1.1/apikeys/{tenant.read_key_id}", headers=headers), 403, READ_NEEDS_ADMIN)

    before = await snapshot(node, tenant)
    for method, path, body in _mutations(tenant):
        response = await api.request(method, path, json=body, headers=headers)
        assert response.status_code == 403, (method, path, response.text)
        message = response.json()["message"]
        if path.startswith(("/v1.1/sites", "/v1.1/chargestations")):
            assert message == READ_NEEDS_WRITE, (method, path)
        else:
            assert message == READ_NEEDS_ADMIN, (method, path)
        expect(response, 403)
    assert await snapshot(node, tenant) == before


async def test_a_write_key_manages_sites_and_stations_but_not_keys_or_operators(
    node: RunningNode, tenant: Tenant
) -> None:
    api, headers = node.api, bearer(tenant.write_key)
    site = expect(await api.post("/v1.1/sites", json={"name": unique("site")}, headers=headers), 201)
    patched = await api.patch(f"/v1.1/sites/{site['_id']}", json={"address": "2 Side St"}, headers=headers)
    assert expect(patched, 200)["address"] == "2 Side St"
    station = expect(
        await api.post("/v1.1/chargestations", json=_station_body() | {"site": site["_id"]}, headers=headers), 201
    )
    moved = await api.patch(f"/v1.1/chargestations/{station['_id']}", json={"site": None}, headers=headers)
    assert expect(moved, 200)["site"] is None
    expect(await api.delete(f"/v1.1/chargestations/{station['_id']}", headers=headers), 200, "charge station deleted")
    expect(await api.delete(f"/v1.1/sites/{site['_id']}", headers=headers), 200, "site deleted")

    before = await snapshot(node, tenant)
    for method, path, body in _mutations(tenant):
        if path.startswith(("/v1.1/sites", "/v1.1/chargestations")):
            continue
        response = await api.request(method, path, json=body, headers=headers)
        expect(response, 403, WRITE_NEEDS_ADMIN)
    expect(await api.get("/v1.1/apikeys", headers=headers), 403, WRITE_NEEDS_ADMIN)
    assert await snapshot(node, tenant) == before


async def test_a_tenant_admin_manages_its_keys_and_its_name_only(node: RunningNode, tenant: Tenant) -> None:
    api, headers = node.api, bearer(tenant.admin_key)
    created = await create_key(node, tenant.admin_key, "write")
    assert created["operator"] == tenant.id
    renamed = await api.patch(f"/v1.1/operators/{tenant.id}", json={"name": unique("renamed")}, headers=headers)
    expect(renamed, 200)
    expect(await api.post("/v1.1/operators", json={"name": unique("op")}, headers=headers), 403, PLATFORM_ONLY)
    listed = await api.post(
        "/v1.1/operators", json={"name": unique("op"), "platform": True}, headers=bearer(created["key"])
    )
    expect(listed, 403, WRITE_NEEDS_ADMIN)


async def test_a_platform_write_key_cannot_manage_operators(node: RunningNode) -> None:
    write = await create_key(node, node.admin_key, "write")
    response = await node.api.post("/v1.1/operators", json={"name": "x"}, headers=bearer(write["key"]))
    expect(response, 403, WRITE_NEEDS_ADMIN)
    names = [o["name"] for o in expect(await node.api.get("/v1.1/operators", headers=node.auth()), 200)]
    assert names == ["default"]


async def test_a_revoked_key_is_refused(node: RunningNode, tenant: Tenant) -> None:
    api = node.api
    assert expect(await api.get("/v1.1/sites", headers=bearer(tenant.write_key)), 200)
    revoked = expect(await api.delete(f"/v1.1/apikeys/{tenant.write_key_id}", headers=bearer(tenant.admin_key)), 200)
    assert revoked["revokedAt"] is not None
    response = await api.get("/v1.1/sites", headers=bearer(tenant.write_key))
    expect(response, 401, "this API key has been revoked")
    assert response.headers["WWW-Authenticate"] == "Bearer"
    # Revoking again is harmless and keeps the first revocation time.
    again = expect(await api.delete(f"/v1.1/apikeys/{tenant.write_key_id}", headers=bearer(tenant.admin_key)), 200)
    assert again["revokedAt"] == revoked["revokedAt"]
    # The other keys still work.
    assert expect(await api.get("/v1.1/sites", headers=bearer(tenant.read_key)), 200)


async def test_an_admin_key_can_revoke_itself(node: RunningNode, tenant: Tenant) -> None:
    api = node.api
    expect(await api.delete(f"/v1.1/apikeys/{tenant.admin_key_id}", headers=bearer(tenant.admin_key)), 200)
    expect(await api.get("/v1.1/apikeys", headers=bearer(tenant.admin_key)), 401, "this API key has been revoked")


async def test_keys_of_a_deleted_operator_are_refused(node: RunningNode, tenant: Tenant) -> None:
    api = node.api
    expect(await api.delete(f"/v1.1/chargestations/{tenant.station['_id']}", headers=bearer(tenant.admin_key)), 200)
    expect(await api.delete(f"/v1.1/operators/{tenant.id}", headers=node.auth()), 200, "operator deleted")
    for key in tenant.keys.values():
        response = await api.get("/v1.1/sites", headers=bearer(key))
        expect(response, 401, "invalid API key")


PREFIX = len("sy_") + 24 + len("_")  # the secret follows; it may itself contain '_'


def _tamper(key: str) -> str:
    secret = key[PREFIX:]
    return key[:PREFIX] + ("A" if secret[0] != "A" else "B") + secret[1:]


@pytest.mark.parametrize(
    ("make_headers", "message"),
    [
        pytest.param(lambda key: {}, "missing API key: send 'Authorization: Bearer <key>'", id="missing"),
        pytest.param(
            lambda key: {"Authorization": f"Basic {key}"},
            "missing API key: send 'Authorization: Bearer <key>'",
            id="basic scheme",
        ),
        pytest.param(
            lambda key: {"Authorization": "Bearer"}, "missing API key: send 'Authorization: Bearer <key>'", id="empty"
        ),
        pytest.param(lambda key: bearer("not-a-key"), "malformed API key", id="no prefix"),
        pytest.param(lambda key: bearer("sy_123_abc"), "malformed API key", id="short id"),
        pytest.param(lambda key: bearer(key[:PREFIX]), "malformed API key", id="no secret"),
        pytest.param(lambda key: bearer("sy_" + "0" * 24 + "_secret"), "invalid API key", id="unknown id"),
        pytest.param(lambda key: bearer(_tamper(key)), "invalid API key", id="wrong secret"),
    ],
)
async def test_bad_credentials_are_401_with_a_bearer_challenge(
    node: RunningNode, make_headers: Any, message: str
) -> None:
    for method, path in (("GET", "/v1.1/chargestations"), ("POST", "/v1.1/sites"), ("DELETE", "/v1.1/sites/x")):
        response = await node.api.request(method, path, headers=make_headers(node.admin_key), json={"name": "n"})
        expect(response, 401, message)
        assert response.headers["WWW-Authenticate"] == "Bearer"
    names = [s["name"] for s in expect(await node.api.get("/v1.1/sites", headers=node.auth()), 200)]
    assert names == []
