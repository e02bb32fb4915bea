"""Tenant isolation: another operator's resources do not exist for a caller, whatever the route or method.

The tables below name every `/v1.1` route; `test_every_route_is_in_the_isolation_table` fails when a
route is added without a row here.
"""

import io
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute

from switchyard.api.app import create_app
from switchyard.core.webhooks.outbox import enqueue
from switchyard.store.outbox import SessionOutbox
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
    walk_routes,
)
from tests.support import PASSWORD_16, RunningNode, running_node


@dataclass(frozen=True)
class ItemCase:
    """One method of one `/{id}` route, aimed at a resource of operator A."""

    method: str
    path: str  # the route's path template, exactly as FastAPI knows it
    # Which of A's resources the first id names: operator, apikey, site, station, action, webhook,
    # webhook_event, migration. A second id (a station in a migration) is A's station.
    resource: str
    not_found: str  # the 404 message, with {id}
    body: dict[str, Any] | None = None
    # Platform admins may manage other operators themselves (never their resources).
    platform_admin_allowed: bool = False

    def url(self, resource_id: str, **others: str) -> str:
        """The path with `resource_id` for its first parameter, and `others` (else MISSING_ID) for the rest."""
        names = re.findall(r"{(\w+)}", self.path)
        values = {names[0]: resource_id} | {name: others.get(name, MISSING_ID) for name in names[1:]}
        return re.sub(r"{(\w+)}", lambda found: values[found.group(1)], self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


OPERATOR = "/v1.1/operators/{operator_id}"
APIKEY = "/v1.1/apikeys/{key_id}"
SITE = "/v1.1/sites/{site_id}"
STATION = "/v1.1/chargestations/{station_id}"
WEBHOOK = "/v1.1/webhooks/{webhook_id}"
WEBHOOK_EVENT = "/v1.1/webhooks/events/{event_id}"
MIGRATION = "/v1.1/migrations/{migration_id}"
MIGRATION_STATION = MIGRATION + "/stations/{station}"
MIGRATION_NOT_FOUND = "migration {id} not found"

ITEM_CASES = [
    ItemCase("GET", OPERATOR, "operator", "operator {id} not found", platform_admin_allowed=True),
    ItemCase("PATCH", OPERATOR, "operator", "operator {id} not found", {"name": "stolen"}, platform_admin_allowed=True),
    ItemCase("DELETE", OPERATOR, "operator", "operator {id} not found", platform_admin_allowed=True),
    ItemCase("GET", APIKEY, "apikey", "API key {id} not found"),
    ItemCase("DELETE", APIKEY, "apikey", "API key {id} not found"),
    ItemCase("GET", SITE, "site", "site {id} not found"),
    ItemCase("PATCH", SITE, "site", "site {id} not found", {"name": "stolen", "address": "elsewhere"}),
    ItemCase("DELETE", SITE, "site", "site {id} not found"),
    ItemCase("GET", STATION, "station", "charge station {id} not found"),
    ItemCase(
        "PATCH",
        STATION,
        "station",
        "charge station {id} not found",
        {"registrationState": "rejected", "site": None, "serialNumber": "stolen"},
    ),
    ItemCase("DELETE", STATION, "station", "charge station {id} not found"),
    ItemCase("GET", STATION + "/configurations", "station", "charge station {id} not found"),
    ItemCase(
        "POST",
        STATION + "/configurations",
        "station",
        "charge station {id} not found",
        {"key": "LightIntensity", "value": "50"},
    ),
    ItemCase("GET", STATION + "/configurations/details", "station", "charge station {id} not found"),
    ItemCase("POST", STATION + "/reset", "station", "charge station {id} not found", {"type": "Soft"}),
    ItemCase("GET", STATION + "/actions", "station", "charge station {id} not found"),
    ItemCase("GET", "/v1.1/actions/{action_id}", "action", "action {id} not found"),
    ItemCase("GET", WEBHOOK, "webhook", "webhook {id} not found"),
    ItemCase(
        "PATCH", WEBHOOK, "webhook", "webhook {id} not found", {"url": "https://stolen.example/", "events": ["*"]}
    ),
    ItemCase("DELETE", WEBHOOK, "webhook", "webhook {id} not found"),
    ItemCase("GET", WEBHOOK_EVENT, "webhook_event", "webhook event {id} not found"),
    ItemCase("POST", WEBHOOK_EVENT + "/replay", "webhook_event", "webhook event {id} not found"),
    ItemCase("GET", MIGRATION, "migration", MIGRATION_NOT_FOUND),
    ItemCase("POST", MIGRATION + "/pause", "migration", MIGRATION_NOT_FOUND),
    ItemCase("POST", MIGRATION + "/resume", "migration", MIGRATION_NOT_FOUND),
    ItemCase("POST", MIGRATION + "/cancel", "migration", MIGRATION_NOT_FOUND),
    ItemCase("POST", MIGRATION_STATION + "/retry", "migration", MIGRATION_NOT_FOUND),
    ItemCase("POST", MIGRATION_STATION + "/rollback", "migration", MIGRATION_NOT_FOUND),
    ItemCase("POST", MIGRATION_STATION + "/confirm", "migration", MIGRATION_NOT_FOUND),
]


@dataclass(frozen=True)
class ListCase:
    path: str
    resource: str
    # Operators are listed for platform admins: the platform sees tenants, not their resources.
    platform_admin_allowed: bool = False
    params: dict[str, str] = field(default_factory=dict)


LIST_CASES = [
    ListCase("/v1.1/operators", "operator", platform_admin_allowed=True),
    ListCase("/v1.1/apikeys", "apikey"),
    ListCase("/v1.1/sites", "site"),
    ListCase("/v1.1/chargestations", "station"),
    ListCase("/v1.1/actions", "action"),
    ListCase("/v1.1/webhooks", "webhook"),
    ListCase("/v1.1/webhooks/events", "webhook_event"),
    ListCase("/v1.1/migrations", "migration"),
]


@dataclass
class World:
    node: RunningNode
    a: Tenant
    b: Tenant
    platform_read_key: str
    # Per operator id, what it has besides a tenant's sites and keys, by kind: its webhook subscription,
    # one of its webhook events, an action and a migration of its station.
    owned: dict[str, dict[str, str]] = field(default_factory=dict)

    def resource_id(self, tenant: Tenant, kind: str) -> str:
        if kind in self.owned[tenant.id]:
            return self.owned[tenant.id][kind]
        return tenant.resource_id(kind)

    async def snapshot(self, tenant: Tenant) -> dict[str, Any]:
        """What the tenant sees (helpers.snapshot), and its webhooks (delivery progress left out)."""
        headers = bearer(tenant.admin_key)
        api, ids = self.node.api, self.owned[tenant.id]
        event = expect(await api.get(f"/v1.1/webhooks/events/{ids['webhook_event']}", headers=headers), 200)
        station = tenant.station["_id"]
        return {
            **await snapshot(self.node, tenant),
            # A request that reached A's station would leave an action here (and a reset or a change
            # one that the sequencer sends).
            "actions": expect(await api.get(f"/v1.1/chargestations/{station}/actions", headers=headers), 200),
            "webhooks": expect(await api.get("/v1.1/webhooks", headers=headers), 200),
            "webhook": expect(await api.get(f"/v1.1/webhooks/{ids['webhook']}", headers=headers), 200),
            "event": {k: event[k] for k in ("_id", "type", "replays", "envelope")},
            "migrations": expect(await api.get("/v1.1/migrations", headers=headers), 200),
            "migration": expect(await api.get(f"/v1.1/migrations/{ids['migration']}", headers=headers), 200),
        }

    def attackers(self, platform_admin_allowed: bool) -> dict[str, str]:
        """Keys that must not reach A's resources, by name."""
        keys = {f"B {scope}": key for scope, key in self.b.keys.items()}
        keys["platform read"] = self.platform_read_key
        if not platform_admin_allowed:
            keys["platform admin"] = self.node.admin_key
        return keys


@pytest.fixture
async def node(tmp_path: Path) -> AsyncIterator[RunningNode]:
    """Webhooks here go to a closed loopback port, which they may reach only when the node allows it."""
    async with running_node(tmp_path, webhook_allowed_networks="127.0.0.1/32") as running:
        yield running


@pytest.fixture
async def world(node: RunningNode) -> World:
    a = await make_tenant(node, unique("Alpha"))
    b = await make_tenant(node, unique("Bravo"))
    platform_read = await create_key(node, node.admin_key, "read")
    world = World(node, a, b, platform_read["key"])
    for tenant in (a, b):
        # Port 9 (discard) refuses: nothing leaves the machine.
        body = {"url": "http://127.0.0.1:9/hook", "events": ["chargestation.*"]}
        hook = expect(await node.api.post("/v1.1/webhooks", json=body, headers=bearer(tenant.admin_key)), 201)
        async with node.sy.db.transaction() as session:
            event_id = enqueue(
                SessionOutbox(session),
                operator_id=tenant.id,
                station_id=tenant.station["_id"],
                event_type="chargestation.update_configuration.requested",
                data={"key": "HeartbeatInterval", "value": "901"},
                now=node.sy.clock.now(),
            )
        # A read request: the station is not connected, so the action waits, and stays there.
        read = await node.api.get(
            f"/v1.1/chargestations/{tenant.station['_id']}/configurations", headers=bearer(tenant.admin_key)
        )
        world.owned[tenant.id] = {
            "webhook": hook["_id"],
            "webhook_event": event_id,
            "action": expect(read, 200)["_id"],
            **await _migrations(node, tenant),
        }
    return world


async def _migrations(node: RunningNode, tenant: Tenant) -> dict[str, str]:
    body = migration_body(stations=[tenant.station["_id"]])
    job = expect(await node.api.post("/v1.1/migrations", json=body, headers=bearer(tenant.admin_key)), 201)
    assert job["status"] == "completed", job
    return {"migration": job["_id"]}


def _walk(routes: Iterable[Any]) -> Iterator[tuple[str, set[str]]]:
    """(path, methods) of every API route."""
    for path, route in walk_routes(routes):
        if isinstance(route, APIRoute):
            yield path, set(route.methods)


def _v11_routes() -> dict[str, set[str]]:
    """Every `/v1.1` path template and its methods: walked from app.routes, and from the OpenAPI schema."""
    app = create_app(None)  # type: ignore[arg-type]  # routes only; the node is never touched
    found: dict[str, set[str]] = {}
    for path, methods in _walk(app.routes):
        found.setdefault(path, set()).update(methods)
    for path, operations in app.openapi()["paths"].items():
        found.setdefault(path, set()).update(m.upper() for m in operations)
    return {path: methods - {"HEAD", "OPTIONS"} for path, methods in found.items() if path.startswith("/v1.1")}


def _path_routes() -> set[tuple[str, str]]:
    return {(method, path) for path, methods in _v11_routes().items() if "{" in path for method in methods}


def _collection_routes() -> set[str]:
    return {path for path, methods in _v11_routes().items() if "{" not in path and "GET" in methods}


def test_every_route_is_in_the_isolation_table() -> None:
    routes = _path_routes()
    assert len(routes) >= len(ITEM_CASES) > 0
    walked = {path for path, _ in _walk(create_app(None).routes)}  # type: ignore[arg-type]
    assert "/v1.1/chargestations/{station_id}" in walked, "the walk sees into included routers"
    covered = {(case.method, case.path) for case in ITEM_CASES}
    missing = _path_routes() - covered
    assert not missing, f"routes with a path parameter missing from ITEM_CASES: {sorted(missing)}"
    stale = covered - _path_routes()
    assert not stale, f"ITEM_CASES rows naming no route: {sorted(stale)}"
    assert _collection_routes() == {case.path for case in LIST_CASES}


@pytest.mark.parametrize("case", ITEM_CASES, ids=str)
async def test_another_operators_resource_does_not_exist(world: World, case: ItemCase) -> None:
    api, a = world.node.api, world.a
    before = await world.snapshot(a)
    target, station = world.resource_id(a, case.resource), a.station["_id"]
    for who, key in world.attackers(case.platform_admin_allowed).items():
        url = case.url(target, station=station)
        response = await api.request(case.method, url, json=case.body, headers=bearer(key))
        # The same request for an id that does not exist at all: nothing may tell them apart.
        control = await api.request(
            case.method, case.url(MISSING_ID, station=station), json=case.body, headers=bearer(key)
        )
        assert response.status_code == control.status_code, (who, response.text, control.text)
        assert response.json()["message"].replace(target, MISSING_ID) == control.json()["message"], who
        if who.endswith("admin"):
            expect(response, 404, case.not_found.format(id=target))
        else:
            assert response.status_code in (403, 404), (who, response.text)
            expect(response, response.status_code)
        assert await world.snapshot(a) == before, f"{who} changed A with {case}"


@pytest.mark.parametrize("case", LIST_CASES, ids=lambda c: c.path)
async def test_lists_never_show_another_operators_resources(world: World, case: ListCase) -> None:
    a, b = world.a, world.b
    a_ids = {world.resource_id(a, case.resource)}
    if case.resource == "apikey":
        a_ids |= {a.admin_key_id, a.write_key_id}
    for who, key in world.attackers(case.platform_admin_allowed).items():
        response = await world.node.api.get(case.path, params=case.params, headers=bearer(key))
        if response.status_code == 403:  # API keys are listed for admin keys only
            assert case.resource == "apikey", who
            assert not who.endswith("admin"), who
            continue
        seen = {item["_id"] for item in expect(response, 200)}
        assert not seen & a_ids, f"{who} sees A's {case.resource} in {case.path}"
        if who.startswith("B ") and case.resource != "apikey":
            assert world.resource_id(b, case.resource) in seen, "the control: B sees its own"
    # And A sees its own, so the assertions above are not vacuous.
    seen_by_a = {item["_id"] for item in expect(await world.node.api.get(case.path, headers=bearer(a.admin_key)), 200)}
    assert a_ids <= seen_by_a


async def test_everything_listed_belongs_to_the_caller(world: World) -> None:
    api, b = world.node.api, world.b
    for path in ("/v1.1/apikeys", "/v1.1/sites", "/v1.1/chargestations"):
        for item in expect(await api.get(path, headers=bearer(b.admin_key)), 200):
            assert item["operator"] == b.id, (path, item)


async def test_filters_by_another_operators_site_are_not_found(world: World) -> None:
    api, a, b = world.node.api, world.a, world.b
    site = a.site["_id"]
    for who, key in world.attackers(platform_admin_allowed=False).items():
        response = await api.get("/v1.1/chargestations", params={"site": site}, headers=bearer(key))
        expect(response, 404, f"site {site} not found")
        response = await api.get(
            "/v1.1/chargestations", params={"identity": a.station["identity"]}, headers=bearer(key)
        )
        assert expect(response, 200) == [], who
    # The control: B's own site filters fine, A's own filter finds A's station.
    own = await api.get("/v1.1/chargestations", params={"site": b.site["_id"]}, headers=bearer(b.read_key))
    assert [s["_id"] for s in expect(own, 200)] == [b.station["_id"]]
    mine = await api.get("/v1.1/chargestations", params={"site": site}, headers=bearer(a.read_key))
    assert [s["_id"] for s in expect(mine, 200)] == [a.station["_id"]]


async def test_a_station_cannot_be_put_in_another_operators_site(world: World) -> None:
    api, a, b = world.node.api, world.a, world.b
    before = await snapshot(world.node, a)
    site = a.site["_id"]
    identity = unique("intruder")
    body = {"identity": identity, "ocppVersion": "1.6", "securityProfile": 1, "password": PASSWORD_16, "site": site}
    for key in (b.admin_key, b.write_key, world.node.admin_key):
        expect(await api.post("/v1.1/chargestations", json=body, headers=bearer(key)), 404, f"site {site} not found")
    # Nothing was half-written: the identity is still free, B has no new station.
    stations = expect(await api.get("/v1.1/chargestations", headers=bearer(b.admin_key)), 200)
    assert [s["_id"] for s in stations] == [b.station["_id"]]
    # Moving B's own station into A's site is refused the same way, and leaves it where it was.
    patch = await api.patch(
        f"/v1.1/chargestations/{b.station['_id']}", json={"site": site}, headers=bearer(b.write_key)
    )
    expect(patch, 404, f"site {site} not found")
    again = await api.get(f"/v1.1/chargestations/{b.station['_id']}", headers=bearer(b.read_key))
    assert expect(again, 200)["site"] == b.site["_id"]
    assert await snapshot(world.node, a) == before
    body["site"] = None
    created = expect(await api.post("/v1.1/chargestations", json=body, headers=bearer(b.write_key)), 201)
    assert created["identity"] == identity


async def test_keys_cannot_be_made_for_another_operator_by_a_tenant(world: World) -> None:
    api, a, b = world.node.api, world.a, world.b
    before = await snapshot(world.node, a)
    body = {"name": "backdoor", "scope": "admin", "operator": a.id}
    response = await api.post("/v1.1/apikeys", json=body, headers=bearer(b.admin_key))
    control = await api.post("/v1.1/apikeys", json=body | {"operator": MISSING_ID}, headers=bearer(b.admin_key))
    expect(response, 403, "only admin keys of a platform operator may manage other operators")
    assert response.json() == control.json()
    assert await snapshot(world.node, a) == before
    # A platform admin may, but not for an operator that does not exist.
    missing = await api.post("/v1.1/apikeys", json=body | {"operator": MISSING_ID}, headers=world.node.auth())
    expect(missing, 404, f"operator {MISSING_ID} not found")


async def test_a_tenant_sees_only_its_own_operator(world: World) -> None:
    api, a, b = world.node.api, world.a, world.b
    for key in b.keys.values():
        listed = expect(await api.get("/v1.1/operators", headers=bearer(key)), 200)
        assert [o["_id"] for o in listed] == [b.id]
        assert expect(await api.get(f"/v1.1/operators/{b.id}", headers=bearer(key)), 200)["name"] == b.operator["name"]
        expect(await api.get(f"/v1.1/operators/{a.id}", headers=bearer(key)), 404, f"operator {a.id} not found")
    # The platform admin sees every operator, itself included.
    listed = {o["_id"] for o in expect(await api.get("/v1.1/operators", headers=world.node.auth()), 200)}
    assert {a.id, b.id} < listed
    # A tenant admin may not create operators.
    created = await api.post("/v1.1/operators", json={"name": "shadow"}, headers=bearer(b.admin_key))
    expect(created, 403, "only admin keys of a platform operator may manage other operators")


async def test_a_platform_admin_manages_operators_but_not_their_resources(world: World) -> None:
    api, a = world.node.api, world.a
    renamed = await api.patch(f"/v1.1/operators/{a.id}", json={"name": "Alpha renamed"}, headers=world.node.auth())
    assert expect(renamed, 200)["name"] == "Alpha renamed"
    # ...and deleting A is refused while it has stations, which the platform cannot delete for it.
    response = await api.delete(f"/v1.1/operators/{a.id}", headers=world.node.auth())
    assert response.status_code == 409
    expect(
        await api.delete(f"/v1.1/chargestations/{a.station['_id']}", headers=world.node.auth()),
        404,
        f"charge station {a.station['_id']} not found",
    )


async def test_another_operators_identity_is_refused_exactly_as_the_callers_own(
    world: World, debug_logs: io.StringIO
) -> None:
    """ADR 0007: one namespace of identities. Regression (issue 8): the refusal said a station "already
    exists", confirming another tenant's station. Now it is word for word the refusal of the caller's own
    identity, names no operator, and only the server log says who holds it."""
    api, a, b = world.node.api, world.a, world.b
    before = await world.snapshot(a)
    theirs, mine = a.station["identity"], b.station["identity"]

    def body(identity: str) -> dict[str, Any]:
        return {"identity": identity, "ocppVersion": "1.6", "securityProfile": 1, "password": PASSWORD_16}

    for who, key in {"B admin": b.admin_key, "B write": b.write_key, "platform admin": world.node.admin_key}.items():
        foreign = await api.post("/v1.1/chargestations", json=body(theirs), headers=bearer(key))
        own = await api.post("/v1.1/chargestations", json=body(mine), headers=bearer(key))
        expect(
            foreign,
            409,
            f"identity {theirs!r} is already in use on this Switchyard: stations are told apart by identity "
            "alone, across all its operators, so choose another",
        )
        assert own.status_code == foreign.status_code, who
        assert own.json()["message"].replace(mine, theirs) == foreign.json()["message"], who
        assert set(own.headers) == set(foreign.headers), who
        # (The test identities start with their operator's name: only the rest of the answer counts.)
        for told in (a.id, a.operator["name"], a.station["_id"]):
            assert told not in foreign.text.replace(theirs, "<identity>"), (who, told)
    # A read key is refused for its scope before the identity is looked at, as for its own.
    read = await api.post("/v1.1/chargestations", json=body(theirs), headers=bearer(b.read_key))
    expect(read, 403, "this API key has scope 'read'; 'write' is required")
    # Identities cannot be renamed, so no PATCH can probe them either: the field is unknown, taken or not.
    station = f"/v1.1/chargestations/{b.station['_id']}"
    taken = await api.patch(station, json={"identity": theirs}, headers=bearer(b.admin_key))
    free = await api.patch(station, json={"identity": unique("free")}, headers=bearer(b.admin_key))
    expect(taken, 422, "identity: unknown field")
    assert taken.json() == free.json()
    assert await world.snapshot(a) == before
    # The platform operator can see who tried to register whose identity.
    refusals = [line for line in debug_logs.getvalue().splitlines() if "identity refused" in line]
    assert any(theirs in line and a.id in line and b.id in line for line in refusals), refusals


async def test_a_migration_cannot_name_another_operators_stations_or_site(world: World) -> None:
    api, a, b = world.node.api, world.a, world.b
    before, b_before = await world.snapshot(a), await world.snapshot(b)
    site, station = a.site["_id"], a.station
    # Each selection naming A's resources, and the same naming nothing that exists.
    selections = [
        ({"stations": [station["_id"]]}, {"stations": [MISSING_ID]}),
        ({"stations": [station["identity"]]}, {"stations": ["NO-SUCH-STATION"]}),
        ({"stations": [b.station["_id"], station["_id"]]}, {"stations": [b.station["_id"], MISSING_ID]}),
        ({"site": site}, {"site": MISSING_ID}),
        ({"filter": {"site": site}}, {"filter": {"site": MISSING_ID}}),
    ]
    for who, key in world.attackers(platform_admin_allowed=False).items():
        for dry_run in (True, False):
            for theirs, nothing in selections:
                body = migration_body(dryRun=dry_run)
                response = await api.post("/v1.1/migrations", json=body | theirs, headers=bearer(key))
                control = await api.post("/v1.1/migrations", json=body | nothing, headers=bearer(key))
                assert response.status_code == control.status_code, (who, theirs, response.text, control.text)
                told = response.json()["message"]
                for mine, missing in ((station["_id"], MISSING_ID), (station["identity"], "NO-SUCH-STATION")):
                    told = told.replace(mine, missing)
                assert told.replace(site, MISSING_ID) == control.json()["message"], (who, theirs)
                if who.endswith("read"):
                    expect(response, 403, "this API key has scope 'read'; 'write' is required")
                else:
                    expect(response, 404)
    assert await world.snapshot(a) == before
    assert await world.snapshot(b) == b_before, "no job was made, not even of B's own station"
    # A filter by B covers B's stations only.
    plan = await api.post(
        "/v1.1/migrations", json=migration_body(dryRun=True, filter={"ocppVersion": "1.6"}), headers=bearer(b.write_key)
    )
    assert [s["station"] for s in expect(plan, 200)["stations"]] == [b.station["_id"]]


async def test_another_operators_station_is_not_in_the_callers_migration(world: World) -> None:
    api, a, b = world.node.api, world.a, world.b
    before = await world.snapshot(a)
    job = world.resource_id(b, "migration")
    for action in ("retry", "rollback", "confirm"):
        for theirs, missing in ((a.station["_id"], MISSING_ID), (a.station["identity"], "NO-SUCH-STATION")):
            path = f"/v1.1/migrations/{job}/stations/{{}}/{action}"
            response = await api.post(path.format(theirs), headers=bearer(b.admin_key))
            control = await api.post(path.format(missing), headers=bearer(b.admin_key))
            expect(response, 404, f"charge station {theirs} is not in migration {job}")
            assert response.json()["message"].replace(theirs, missing) == control.json()["message"]
    assert await world.snapshot(a) == before


async def test_another_operators_inbound_migration_does_not_exist(world: World) -> None:
    api, a, b = world.node.api, world.a, world.b

    def inbound(*identities: str) -> dict[str, Any]:
        stations = [
            {"identity": i, "ocppVersion": "1.6", "securityProfile": 1, "password": PASSWORD_16} for i in identities
        ]
        return {"stations": stations, "deadlineSeconds": 3600}

    created = await api.post("/v1.1/migrations/inbound", json=inbound(unique("A-IN")), headers=bearer(a.write_key))
    job = expect(created, 201)["_id"]
    before = await world.snapshot(a)
    for who, key in world.attackers(platform_admin_allowed=False).items():
        response = await api.get(f"/v1.1/migrations/{job}", headers=bearer(key))
        control = await api.get(f"/v1.1/migrations/{MISSING_ID}", headers=bearer(key))
        expect(response, 404, f"migration {job} not found")
        assert response.json()["message"].replace(job, MISSING_ID) == control.json()["message"], who
        for action in ("pause", "resume", "cancel"):
            acted = await api.post(f"/v1.1/migrations/{job}/{action}", headers=bearer(key))
            expect(acted, 403 if who.endswith("read") else 404)
    # Expecting A's station is refused exactly as expecting B's own (ADR 0007), and leaves nothing behind.
    b_stations = expect(await api.get("/v1.1/chargestations", headers=bearer(b.admin_key)), 200)
    theirs, mine, new = a.station["identity"], b.station["identity"], unique("B-IN")
    foreign = await api.post("/v1.1/migrations/inbound", json=inbound(new, theirs), headers=bearer(b.admin_key))
    own = await api.post("/v1.1/migrations/inbound", json=inbound(new, mine), headers=bearer(b.admin_key))
    expect(foreign, 409)
    assert foreign.json()["message"].replace(theirs, mine) == own.json()["message"]
    assert expect(await api.get("/v1.1/chargestations", headers=bearer(b.admin_key)), 200) == b_stations
    assert await world.snapshot(a) == before
