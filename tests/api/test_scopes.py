"""Scopes (read < write < admin) and bearer authentication."""

from typing import Any

import pytest

from tests.api.helpers import (
    MISSING_ID,
    Tenant,
    bearer,
    create_key,
    expect,
    make_tenant,
    migration_body,
    snapshot,
    unique,
)
from tests.support import PASSWORD_16, RunningNode

READ_NEEDS_WRITE = "this API key has scope 'read'; 'write' is required"
READ_NEEDS_ADMIN = "this API key has scope 'read'; 'admin' is required"
WRITE_NEEDS_ADMIN = "this API key has scope 'write'; 'admin' is required"
PLATFORM_ONLY = "only admin keys of a platform operator may manage other operators"
# What a write key may change.
WRITE_PATHS = ("/v1.1/sites", "/v1.1/chargestations", "/v1.1/migrations")


@pytest.fixture
async def tenant(node: RunningNode) -> Tenant:
    return await make_tenant(node, unique("Scoped"))


def _station_body() -> dict[str, Any]:
    return {"identity": unique("CP"), "ocppVersion": "1.6", "securityProfile": 1, "password": PASSWORD_16}


def _inbound_body() -> dict[str, Any]:
    return {"stations": [_station_body()], "deadlineSeconds": 3600}


async def _migration(node: RunningNode, t: Tenant) -> str:
    """A migration of the tenant's (offline) station: refused at preflight, so it completed at once."""
    body = migration_body(stations=[t.station["_id"]])
    job = expect(await node.api.post("/v1.1/migrations", json=body, headers=bearer(t.write_key)), 201)
    return str(job["_id"])


def _mutations(t: Tenant, migration: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    """Every mutating request of a tenant on its own resources."""
    in_it = f"/v1.1/migrations/{migration}/stations/{t.station['_id']}"
    return [
        ("POST", "/v1.1/migrations", migration_body(stations=[t.station["_id"]], dryRun=True)),
        ("POST", "/v1.1/migrations", migration_body(stations=[t.station["_id"]])),
        ("POST", "/v1.1/migrations", migration_body(site=t.site["_id"])),
        ("POST", "/v1.1/migrations/inbound", _inbound_body()),
        ("POST", f"/v1.1/migrations/{migration}/pause", None),
        ("POST", f"/v1.1/migrations/{migration}/resume", None),
        ("POST", f"/v1.1/migrations/{migration}/cancel", None),
        ("POST", f"{in_it}/retry", None),
        ("POST", f"{in_it}/rollback", None),
        ("POST", f"{in_it}/confirm", None),
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
    migration = await _migration(node, tenant)
    assert [m["_id"] for m in expect(await api.get("/v1.1/migrations", headers=headers), 200)] == [migration]
    assert expect(await api.get(f"/v1.1/migrations/{migration}", headers=headers), 200)["_id"] == migration

    before = await _state(node, tenant, migration)
    for method, path, body in _mutations(tenant, migration):
        response = await api.request(method, path, json=body, headers=headers)
        assert response.status_code == 403, (method, path, response.text)
        message = response.json()["message"]
        if path.startswith(WRITE_PATHS):
            assert message == READ_NEEDS_WRITE, (method, path)
        else:
            assert message == READ_NEEDS_ADMIN, (method, path)
        expect(response, 403)
    assert await _state(node, tenant, migration) == before


async def _state(node: RunningNode, tenant: Tenant, migration: str) -> dict[str, Any]:
    """What the tenant sees (helpers.snapshot), and its migrations."""
    headers = bearer(tenant.admin_key)
    return {
        **await snapshot(node, tenant),
        "migrations": expect(await node.api.get("/v1.1/migrations", headers=headers), 200),
        "migration": expect(await node.api.get(f"/v1.1/migrations/{migration}", headers=headers), 200),
    }


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
    for method, path, body in _mutations(tenant, MISSING_ID):
        if path.startswith(WRITE_PATHS):
            continue
        response = await api.request(method, path, json=body, headers=headers)
        expect(response, 403, WRITE_NEEDS_ADMIN)
    expect(await api.get("/v1.1/apikeys", headers=headers), 403, WRITE_NEEDS_ADMIN)
    assert await snapshot(node, tenant) == before


async def test_a_write_key_plans_starts_and_acts_on_migrations(node: RunningNode, tenant: Tenant) -> None:
    """Each migration request gets past the scope check: what answers is the migration's own state
    (the station is offline, so preflight refused it and the job completed)."""
    migration = await _migration(node, tenant)
    answers = [
        (200, "dry run: every station's preflight; nothing was sent"),
        (201, ""),
        (201, ""),
        (201, "registered; waiting for the stations to arrive"),
        (409, "only a running job can be paused; this one is completed"),
        (409, "only a paused or stopped job can be resumed; this one is completed"),
        (409, "a completed job cannot be cancelled"),
        (409, "the station cannot be retried now: the station is offline"),
        (409, "a preflight_failed station has nothing to roll back"),
        (409, "only a station that was reset and has not arrived can be confirmed; this one is preflight_failed"),
    ]
    requests = [r for r in _mutations(tenant, migration) if r[1].startswith("/v1.1/migrations")]
    assert len(requests) == len(answers)
    for (method, path, body), (status, message) in zip(requests, answers, strict=True):
        response = await node.api.request(method, path, json=body, headers=bearer(tenant.write_key))
        assert (response.status_code, response.json()["message"]) == (status, message), (method, path)
    listed = expect(await node.api.get("/v1.1/migrations", headers=bearer(tenant.read_key)), 200)
    assert len(listed) == 3, "the first, and the two started above"


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
