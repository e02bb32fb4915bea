"""Helpers for the API tests: tenants with a full set of resources, and envelope assertions."""

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi.routing import APIRoute

from tests.support import PASSWORD_16, RunningNode

# An id that has the right shape but never names anything.
MISSING_ID = "0" * 24
_counter = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_counter)}"


def expect(response: httpx.Response, status: int, message: str | None = None) -> Any:
    """Assert the eDRV envelope of a response; return its result."""
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"ok", "message", "result"}, body
    assert body["ok"] is (status < 400), body
    if message is not None:
        assert body["message"] == message, body
    if status >= 400:
        assert body["result"] is None, body
    return body["result"]


def walk_routes(routes: Iterable[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(full path, route) of every route, into included routers (FastAPI nests them since 0.12x)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            context = getattr(route, "include_context", None)
            yield from walk_routes(inner.routes, prefix + str(getattr(context, "prefix", "")))
        elif isinstance(route, APIRoute) or hasattr(route, "path"):
            yield prefix + route.path, route


def migration_body(**fields: Any) -> dict[str, Any]:
    """A migration to a URL nothing listens on. The stations of these tests are offline, so preflight
    refuses them and the job completes at once: nothing is ever sent."""
    body = {"targetUrl": "ws://127.0.0.1:1/ocpp", "securityProfile": 1, "confirmation": {"mode": "external"}}
    return body | fields


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@dataclass
class Tenant:
    """An operator with an admin, a write and a read key, a site and a station in that site."""

    operator: dict[str, Any]
    admin_key: str
    admin_key_id: str
    write_key: str
    write_key_id: str
    read_key: str
    read_key_id: str
    site: dict[str, Any]
    station: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.operator["_id"])

    @property
    def keys(self) -> dict[str, str]:
        return {"admin": self.admin_key, "write": self.write_key, "read": self.read_key}

    def resource_id(self, kind: str) -> str:
        return {
            "operator": self.id,
            "apikey": self.read_key_id,
            "site": str(self.site["_id"]),
            "station": str(self.station["_id"]),
        }[kind]


async def create_key(node: RunningNode, by: str, scope: str, operator: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"name": unique(f"{scope} key"), "scope": scope}
    if operator is not None:
        body["operator"] = operator
    created: dict[str, Any] = expect(await node.api.post("/v1.1/apikeys", json=body, headers=bearer(by)), 201)
    return created


async def make_tenant(node: RunningNode, name: str) -> Tenant:
    """Everything created the way a platform would: operator and first key by the platform admin."""
    api = node.api
    operator = expect(await api.post("/v1.1/operators", json={"name": name}, headers=node.auth()), 201)
    admin = await create_key(node, node.admin_key, "admin", operator["_id"])
    assert admin["operator"] == operator["_id"]
    write = await create_key(node, admin["key"], "write")
    read = await create_key(node, admin["key"], "read")
    site_body = {"name": f"{name} depot", "address": "1 Main St"}
    site = expect(await api.post("/v1.1/sites", json=site_body, headers=bearer(admin["key"])), 201)
    body = {
        "identity": unique(f"{name}-CP"),
        "ocppVersion": "1.6",
        "securityProfile": 1,
        "password": PASSWORD_16,
        "site": site["_id"],
    }
    station = expect(await api.post("/v1.1/chargestations", json=body, headers=bearer(admin["key"])), 201)
    return Tenant(
        operator=operator,
        admin_key=admin["key"],
        admin_key_id=admin["_id"],
        write_key=write["key"],
        write_key_id=write["_id"],
        read_key=read["key"],
        read_key_id=read["_id"],
        site=site,
        station=station,
    )


async def snapshot(node: RunningNode, tenant: Tenant) -> dict[str, Any]:
    """Everything the tenant can see, read with its own admin key (last-used times left out)."""
    headers = bearer(tenant.admin_key)
    api = node.api
    keys = expect(await api.get("/v1.1/apikeys", headers=headers), 200)
    for key in keys:
        key.pop("lastUsedAt")
    stations = expect(await api.get("/v1.1/chargestations", headers=headers), 200)
    for station in stations:
        # Live state moves by itself; the registry fields are what an attack could change.
        station.pop("live")
    return {
        "operators": expect(await api.get("/v1.1/operators", headers=headers), 200),
        "operator": expect(await api.get(f"/v1.1/operators/{tenant.id}", headers=headers), 200),
        "apikeys": keys,
        "sites": expect(await api.get("/v1.1/sites", headers=headers), 200),
        "site": expect(await api.get(f"/v1.1/sites/{tenant.site['_id']}", headers=headers), 200),
        "stations": stations,
        "station": {
            k: v
            for k, v in expect(
                await api.get(f"/v1.1/chargestations/{tenant.station['_id']}", headers=headers), 200
            ).items()
            if k != "live"
        },
    }
