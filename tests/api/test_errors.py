"""Every refusal says exactly why, with the right status, and leaves nothing half-written."""

import re
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from switchyard.api.app import create_app
from tests.api.helpers import MISSING_ID, Tenant, bearer, expect, make_tenant, migration_body, snapshot, unique
from tests.api.test_isolation import ITEM_CASES
from tests.support import PASSWORD_16, PASSWORD_201, RunningNode, boot, station

TABLES = ("operators", "api_keys", "sites", "stations", "fleet_jobs", "fleet_job_members")


async def _rows(node: RunningNode) -> dict[str, list[Any]]:
    async with node.sy.db.sessions() as session:
        found = {}
        for table in TABLES:
            rows = await session.execute(text(f"SELECT * FROM {table} ORDER BY 1, 2"))  # noqa: S608
            found[table] = [tuple(v for k, v in row._mapping.items() if k != "last_used_at") for row in rows]
        return found


@dataclass
class World:
    node: RunningNode
    tenant: Tenant

    async def state(self) -> Any:
        return await snapshot(self.node, self.tenant), await _rows(self.node)


@pytest.fixture
async def world(node: RunningNode) -> World:
    tenant = await make_tenant(node, unique("Errors"))
    # An identity an inbound migration may not take (the bad requests list it second).
    await node.add_station("IN-TWICE", ocpp_version="1.6", security_profile=1, password=PASSWORD_16)
    return World(node, tenant)


def _station(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"identity": unique("CP"), "ocppVersion": "1.6", "securityProfile": 1}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not ...}


PW16 = "a 1.6 AuthorizationKey is 16-20 bytes, given as 16-20 characters or as 32-40 hex digits"


@dataclass(frozen=True)
class Bad:
    name: str
    method: str
    path: str  # {site}, {station}, {operator} are the tenant's own
    status: int
    message: str
    body: Any = None
    content: bytes | None = None
    headers: dict[str, str] | None = None

    def url(self, t: Tenant) -> str:
        return self.path.format(site=t.site["_id"], station=t.station["_id"], operator=t.id)


STATIONS = "/v1.1/chargestations"
STATION = "/v1.1/chargestations/{station}"
MIGRATIONS = "/v1.1/migrations"
INBOUND = "/v1.1/migrations/inbound"


def expected(identity: str, **fields: Any) -> dict[str, Any]:
    """A station an inbound migration expects."""
    return {"identity": identity, "ocppVersion": "1.6", "securityProfile": 1, "password": PASSWORD_16} | fields


JSON = {"Content-Type": "application/json"}

BAD_REQUESTS = [
    # -- the body as a whole
    Bad(
        "invalid json", "POST", "/v1.1/sites", 400, "request body is not valid JSON", content=b"{'name':", headers=JSON
    ),
    Bad("invalid utf-8", "POST", "/v1.1/sites", 400, "request body is not valid JSON", content=b"\xff", headers=JSON),
    Bad(
        "json without content type",
        "POST",
        "/v1.1/sites",
        415,
        "send the request body as JSON, with 'Content-Type: application/json'",
        content=b'{"name": "x"}',
    ),
    Bad("no body", "POST", "/v1.1/sites", 422, "body: required"),
    Bad(
        "array body",
        "POST",
        "/v1.1/sites",
        422,
        "body: Input should be a valid dictionary or object to extract fields from",
        body=["x"],
    ),
    # -- stations
    Bad("unknown field", "POST", STATIONS, 422, "colour: unknown field", _station(colour="red")),
    Bad(
        "missing fields",
        "POST",
        STATIONS,
        422,
        "identity: required; ocppVersion: required; securityProfile: required",
        {},
    ),
    Bad(
        "identity not a string", "POST", STATIONS, 422, "identity: Input should be a valid string", _station(identity=7)
    ),
    Bad(
        "empty identity",
        "POST",
        STATIONS,
        422,
        "identity: String should have at least 1 character",
        _station(identity=""),
    ),
    Bad(
        "identity too long",
        "POST",
        STATIONS,
        422,
        "identity: String should have at most 48 characters",
        _station(identity="C" * 49),
    ),
    Bad(
        "identity with colon",
        "POST",
        STATIONS,
        400,
        "identity: must not contain ':' (it is the Basic-auth username)",
        _station(identity="CP:1"),
    ),
    Bad(
        "identity with slash",
        "POST",
        STATIONS,
        400,
        "identity: must not contain '/' or control characters",
        _station(identity="CP/1"),
    ),
    Bad(
        "identity with control character",
        "POST",
        STATIONS,
        400,
        "identity: must not contain '/' or control characters",
        _station(identity="CP\n1"),
    ),
    Bad(
        "bad version",
        "POST",
        STATIONS,
        422,
        "ocppVersion: Input should be '1.6' or '2.0.1'",
        _station(ocppVersion="2.0"),
    ),
    Bad(
        "version as number",
        "POST",
        STATIONS,
        422,
        "ocppVersion: Input should be '1.6' or '2.0.1'",
        _station(ocppVersion=1.6),
    ),
    Bad("profile 4", "POST", STATIONS, 422, "securityProfile: Input should be 1, 2 or 3", _station(securityProfile=4)),
    Bad(
        "profile as text",
        "POST",
        STATIONS,
        422,
        "securityProfile: Input should be 1, 2 or 3",
        _station(securityProfile="1"),
    ),
    Bad(
        "profile as bool",
        "POST",
        STATIONS,
        422,
        "securityProfile: Input should be 1, 2 or 3",
        _station(securityProfile=True),
    ),
    Bad(
        "bad registration state",
        "POST",
        STATIONS,
        422,
        "registrationState: Input should be 'accepted', 'pending' or 'rejected'",
        _station(registrationState="maybe"),
    ),
    Bad(
        "serial too long",
        "POST",
        STATIONS,
        422,
        "serialNumber: String should have at most 25 characters",
        _station(serialNumber="S" * 26),
    ),
    Bad(
        "site unknown",
        "POST",
        STATIONS,
        404,
        f"site {MISSING_ID} not found",
        _station(site=MISSING_ID, password=PASSWORD_16),
    ),
    Bad("1.6 password 15", "POST", STATIONS, 400, f"password: {PW16}; got 15 characters", _station(password="p" * 15)),
    Bad("1.6 password 21", "POST", STATIONS, 400, f"password: {PW16}; got 21 characters", _station(password="p" * 21)),
    Bad(
        "1.6 password 30 hex",
        "POST",
        STATIONS,
        400,
        f"password: {PW16}; got 30 characters",
        _station(password="ab" * 15),
    ),
    Bad(
        "1.6 password 33 hex",
        "POST",
        STATIONS,
        400,
        f"password: {PW16}; got 33 characters",
        _station(password="a" * 33),
    ),
    Bad(
        "1.6 password 42 hex",
        "POST",
        STATIONS,
        400,
        f"password: {PW16}; got 42 characters",
        _station(password="ab" * 21),
    ),
    Bad("1.6 empty password", "POST", STATIONS, 400, f"password: {PW16}; got 0 characters", _station(password="")),
    Bad(
        "2.0.1 password 15",
        "POST",
        STATIONS,
        400,
        "password: a 2.0.1 BasicAuthPassword has 16-64 characters; got 15",
        _station(ocppVersion="2.0.1", password="p" * 15),
    ),
    Bad(
        "2.0.1 password 65",
        "POST",
        STATIONS,
        400,
        "password: a 2.0.1 BasicAuthPassword has 16-64 characters; got 65",
        _station(ocppVersion="2.0.1", password="p" * 65),
    ),
    Bad("patch identity", "PATCH", STATION, 422, "identity: unknown field", {"identity": "renamed"}),
    Bad("patch null state", "PATCH", STATION, 422, "registrationState: must not be null", {"registrationState": None}),
    Bad("patch null version", "PATCH", STATION, 422, "ocppVersion: must not be null", {"ocppVersion": None}),
    Bad("patch null profile", "PATCH", STATION, 422, "securityProfile: must not be null", {"securityProfile": None}),
    Bad(
        "patch version without password",
        "PATCH",
        STATION,
        400,
        "changing ocppVersion needs a new password (its rules differ between versions)",
        {"ocppVersion": "2.0.1"},
    ),
    Bad(
        "patch version, password of the old rules",
        "PATCH",
        STATION,
        400,
        "password: a 2.0.1 BasicAuthPassword has 16-64 characters; got 15",
        {"ocppVersion": "2.0.1", "password": "p" * 15},
    ),
    Bad("patch short password", "PATCH", STATION, 400, f"password: {PW16}; got 5 characters", {"password": "short"}),
    Bad(
        "patch password removed on profile 1",
        "PATCH",
        STATION,
        400,
        "security profile 1 needs a password",
        {"password": None, "serialNumber": "changed"},
    ),
    Bad(
        "patch unknown site",
        "PATCH",
        STATION,
        404,
        f"site {MISSING_ID} not found",
        {"site": MISSING_ID, "serialNumber": "x"},
    ),
    Bad(
        "patch valid then invalid",
        "PATCH",
        STATION,
        400,
        "changing ocppVersion needs a new password (its rules differ between versions)",
        {"serialNumber": "half", "registrationState": "rejected", "site": None, "ocppVersion": "2.0.1"},
    ),
    # -- sites
    Bad("empty site name", "POST", "/v1.1/sites", 422, "name: String should have at least 1 character", {"name": ""}),
    Bad("blank site name", "POST", "/v1.1/sites", 400, "name: must not be empty", {"name": "   "}),
    Bad(
        "long site name",
        "POST",
        "/v1.1/sites",
        422,
        "name: String should have at most 100 characters",
        {"name": "n" * 101},
    ),
    Bad(
        "address not text",
        "POST",
        "/v1.1/sites",
        422,
        "address: Input should be a valid string",
        {"name": "n", "address": 5},
    ),
    Bad("patch null site name", "PATCH", "/v1.1/sites/{site}", 422, "name: must not be null", {"name": None}),
    Bad("patch blank site name", "PATCH", "/v1.1/sites/{site}", 400, "name: must not be empty", {"name": " "}),
    Bad("patch site owner", "PATCH", "/v1.1/sites/{site}", 422, "operator: unknown field", {"operator": MISSING_ID}),
    # -- operators and keys
    Bad(
        "patch null operator name", "PATCH", "/v1.1/operators/{operator}", 422, "name: must not be null", {"name": None}
    ),
    Bad("patch to platform", "PATCH", "/v1.1/operators/{operator}", 422, "platform: unknown field", {"platform": True}),
    Bad(
        "bad scope",
        "POST",
        "/v1.1/apikeys",
        422,
        "scope: Input should be 'read', 'write' or 'admin'",
        {"name": "k", "scope": "root"},
    ),
    Bad("key without name", "POST", "/v1.1/apikeys", 422, "name: required", {"scope": "read"}),
    # -- migrations: refused for the body alone (all but the last: a station that does not exist)
    Bad(
        "migration without confirmation",
        "POST",
        MIGRATIONS,
        422,
        "confirmation: required",
        {"targetUrl": "ws://127.0.0.1:1/ocpp", "securityProfile": 1, "stations": ["CP-X"]},
    ),
    Bad(
        "migration without target",
        "POST",
        MIGRATIONS,
        422,
        "targetUrl: required",
        {"securityProfile": 1, "stations": ["CP-X"], "confirmation": {"mode": "external"}},
    ),
    Bad(
        "migration of nothing",
        "POST",
        MIGRATIONS,
        400,
        "give exactly one of stations, site or filter",
        migration_body(),
    ),
    Bad(
        "migration of stations and a site",
        "POST",
        MIGRATIONS,
        400,
        "give exactly one of stations, site or filter",
        migration_body(stations=["CP-X"], site=MISSING_ID),
    ),
    Bad(
        "migration of no station",
        "POST",
        MIGRATIONS,
        400,
        "stations: give at least one station",
        migration_body(stations=[]),
    ),
    Bad(
        "peer without a key",
        "POST",
        MIGRATIONS,
        400,
        "confirmation: peer mode needs apiUrl and apiKey of the target Switchyard",
        migration_body(stations=["CP-X"], confirmation={"mode": "peer", "apiUrl": "http://127.0.0.1:9"}),
    ),
    Bad(
        "peer not over http",
        "POST",
        MIGRATIONS,
        400,
        "confirmation.apiUrl must be an http:// or https:// URL",
        migration_body(stations=["CP-X"], confirmation={"mode": "peer", "apiUrl": "ftp://x", "apiKey": "k"}),
    ),
    Bad(
        "peer key for another mode",
        "POST",
        MIGRATIONS,
        400,
        "confirmation: apiUrl and apiKey are for peer mode, not same-deployment",
        migration_body(stations=["CP-X"], confirmation={"mode": "same-deployment", "apiKey": "k"}),
    ),
    Bad(
        "unknown confirmation",
        "POST",
        MIGRATIONS,
        422,
        "confirmation.mode: Input should be 'same-deployment', 'peer' or 'external'",
        migration_body(stations=["CP-X"], confirmation={"mode": "carrier-pigeon"}),
    ),
    Bad(
        "no deadline",
        "POST",
        MIGRATIONS,
        422,
        "confirmation.deadlineSeconds: Input should be greater than or equal to 1",
        migration_body(stations=["CP-X"], confirmation={"mode": "external", "deadlineSeconds": 0}),
    ),
    Bad(
        "migration to profile 4",
        "POST",
        MIGRATIONS,
        422,
        "securityProfile: Input should be less than or equal to 3",
        migration_body(stations=["CP-X"], securityProfile=4),
    ),
    Bad(
        "empty waves",
        "POST",
        MIGRATIONS,
        422,
        "waves.size: Input should be greater than or equal to 1",
        migration_body(stations=["CP-X"], waves={"size": 0}),
    ),
    Bad(
        "failure rate over 1",
        "POST",
        MIGRATIONS,
        422,
        "waves.maxFailureRate: Input should be less than or equal to 1",
        migration_body(stations=["CP-X"], waves={"maxFailureRate": 1.5}),
    ),
    Bad(
        "unknown method",
        "POST",
        MIGRATIONS,
        422,
        "method: Input should be 'auto', '1.6-network-profile' or '2.0.1-set-network-profile'",
        migration_body(stations=["CP-X"], method="telepathy"),
    ),
    Bad(
        "unknown migration field",
        "POST",
        MIGRATIONS,
        422,
        "bogus: unknown field",
        migration_body(stations=["CP-X"], bogus=1),
    ),
    Bad(
        "migration of an unknown station",
        "POST",
        MIGRATIONS,
        404,
        "charge station CP-NOPE not found",
        migration_body(stations=["CP-NOPE"]),
    ),
    Bad("migrations limit 0", "GET", MIGRATIONS + "?limit=0", 422, "limit: Input should be greater than or equal to 1"),
    Bad(
        "inbound of nothing",
        "POST",
        INBOUND,
        422,
        "stations: List should have at least 1 item after validation, not 0",
        {"stations": [], "deadlineSeconds": 60},
    ),
    Bad(
        "inbound without deadline", "POST", INBOUND, 422, "deadlineSeconds: required", {"stations": [expected("IN-A")]}
    ),
    Bad(
        "inbound twice the same",
        "POST",
        INBOUND,
        400,
        "stations: each identity once",
        {"stations": [expected("IN-A"), expected("IN-A")], "deadlineSeconds": 60},
    ),
    Bad(
        "inbound of OCPP 2.0",
        "POST",
        INBOUND,
        422,
        "stations.0.ocppVersion: Input should be '1.6' or '2.0.1'",
        {"stations": [expected("IN-A", ocppVersion="2.0")], "deadlineSeconds": 60},
    ),
    Bad(
        "inbound without the password of a profile 1 station",
        "POST",
        INBOUND,
        400,
        "stations: IN-NOPASS needs its password (security profile 1)",
        {"stations": [expected("IN-FIRST"), expected("IN-NOPASS", password=None)], "deadlineSeconds": 60},
    ),
    # -- inbound migrations: every expected station is registered, or none
    Bad(
        "inbound with a bad second password",
        "POST",
        INBOUND,
        400,
        "password: a 1.6 AuthorizationKey is 16-20 bytes, given as 16-20 characters or as 32-40 hex digits; "
        "got 5 characters",
        {"stations": [expected("IN-FIRST"), expected("IN-SECOND", password="short")], "deadlineSeconds": 60},
    ),
    Bad(
        "inbound with a taken second identity",
        "POST",
        INBOUND,
        409,
        "identity 'IN-TWICE' is already in use on this Switchyard: stations are told apart by identity alone, "
        "across all its operators, so choose another",
        {"stations": [expected("IN-FIRST"), expected("IN-TWICE")], "deadlineSeconds": 60},
    ),
    # -- queries
    Bad("limit 0", "GET", STATIONS + "?limit=0", 422, "limit: Input should be greater than or equal to 1"),
    Bad("limit 1001", "GET", STATIONS + "?limit=1001", 422, "limit: Input should be less than or equal to 1000"),
    Bad("negative offset", "GET", STATIONS + "?offset=-1", 422, "offset: Input should be greater than or equal to 0"),
    Bad(
        "limit not a number",
        "GET",
        STATIONS + "?limit=ten",
        422,
        "limit: Input should be a valid integer, unable to parse string as an integer",
    ),
    Bad("unknown site filter", "GET", STATIONS + f"?site={MISSING_ID}", 404, f"site {MISSING_ID} not found"),
    # -- routing
    Bad("unknown route", "GET", "/v1.1/chargepoints", 404, "Not Found"),
    Bad("wrong method", "PUT", "/v1.1/sites/{site}", 405, "Method Not Allowed", {"name": "x"}),
]


async def test_a_bad_request_is_refused_and_changes_nothing(world: World, subtests: pytest.Subtests) -> None:
    # One node for the whole table (subtests), so the table can grow without slowing the suite.
    for bad in BAD_REQUESTS:
        with subtests.test(bad.name):
            before = await world.state()
            headers = bearer(world.tenant.admin_key) | (bad.headers or {})
            kwargs: dict[str, Any] = {}
            if bad.content is not None:
                kwargs["content"] = bad.content
            elif bad.body is not None:
                kwargs["json"] = bad.body
            response = await world.node.api.request(bad.method, bad.url(world.tenant), headers=headers, **kwargs)
            expect(response, bad.status, bad.message)
            assert await world.state() == before


@pytest.mark.parametrize(
    ("version", "password"),
    [
        ("1.6", "p" * 16),
        ("1.6", "p" * 20),
        ("1.6", "ü" * 10),  # 20 bytes
        ("1.6", "ab" * 16),
        ("1.6", "AB" * 20),
        ("2.0.1", "p" * 16),
        ("2.0.1", "p" * 64),
        ("2.0.1", "with:colon and spaces!"),
    ],
)
async def test_passwords_at_the_limits_are_accepted(node: RunningNode, version: str, password: str) -> None:
    body = _station(ocppVersion=version, password=password)
    created = expect(await node.api.post(STATIONS, json=body, headers=node.auth()), 201, "")
    assert created["hasPassword"] is True
    assert created["password"] is None


async def test_unknown_ids_are_404(world: World, subtests: pytest.Subtests) -> None:
    for case in ITEM_CASES:
        for missing in (MISSING_ID, "not-an-id", MISSING_ID.upper(), "%20"):
            with subtests.test(f"{case} {missing}"):
                before = await world.state()
                response = await world.node.api.request(
                    case.method, case.url(missing), json=case.body, headers=bearer(world.tenant.admin_key)
                )
                expect(response, 404, case.not_found.format(id=missing.replace("%20", " ")))
                assert await world.state() == before


async def test_duplicate_identities_are_409_across_operators(world: World) -> None:
    api, t = world.node.api, world.tenant
    identity = t.station["identity"]
    other = await make_tenant(world.node, unique("Other"))
    before = await world.state()
    message = (
        f"identity {identity!r} is already in use on this Switchyard: stations are told apart by identity alone, "
        "across all its operators, so choose another"
    )
    for key in (t.admin_key, other.admin_key):
        body = _station(identity=identity, password=PASSWORD_16)
        expect(await api.post(STATIONS, json=body, headers=bearer(key)), 409, message)
    # With a site: the refusal still leaves nothing behind.
    body = _station(identity=identity, password=PASSWORD_16, site=t.site["_id"])
    expect(await api.post(STATIONS, json=body, headers=bearer(t.admin_key)), 409, message)
    assert await world.state() == before


async def test_site_names_are_unique_per_operator(world: World) -> None:
    api, t = world.node.api, world.tenant
    name = t.site["name"]
    before = await world.state()
    for candidate in (name, f"  {name} "):
        response = await api.post("/v1.1/sites", json={"name": candidate}, headers=bearer(t.admin_key))
        expect(response, 409, f"a site named {name!r} already exists")
    second = expect(await api.post("/v1.1/sites", json={"name": "second"}, headers=bearer(t.admin_key)), 201)
    renamed = await api.patch(f"/v1.1/sites/{second['_id']}", json={"name": name}, headers=bearer(t.admin_key))
    expect(renamed, 409, f"a site named {name!r} already exists")
    assert expect(await api.get(f"/v1.1/sites/{second['_id']}", headers=bearer(t.read_key)), 200)["name"] == "second"
    sites = expect(await api.get("/v1.1/sites", headers=bearer(t.read_key)), 200)
    assert sorted(s["name"] for s in sites) == sorted([name, "second"])
    assert before[0]["site"] == expect(await api.get(f"/v1.1/sites/{t.site['_id']}", headers=bearer(t.read_key)), 200)
    # Another operator may use the same name.
    other = await make_tenant(world.node, unique("Other"))
    expect(await api.post("/v1.1/sites", json={"name": name}, headers=bearer(other.admin_key)), 201)


async def test_names_are_trimmed(world: World) -> None:
    api, t = world.node.api, world.tenant
    site = expect(await api.post("/v1.1/sites", json={"name": "  Yard 7 "}, headers=bearer(t.admin_key)), 201)
    assert site["name"] == "Yard 7"
    operator = expect(await api.post("/v1.1/operators", json={"name": " Trim Co "}, headers=world.node.auth()), 201)
    assert operator["name"] == "Trim Co"
    duplicate = await api.post("/v1.1/operators", json={"name": "Trim Co  "}, headers=world.node.auth())
    expect(duplicate, 409, "an operator named 'Trim Co' already exists")


async def test_duplicate_operator_names_are_409(world: World) -> None:
    api, t = world.node.api, world.tenant
    before = await world.state()
    name = t.operator["name"]
    response = await api.post("/v1.1/operators", json={"name": name}, headers=world.node.auth())
    expect(response, 409, f"an operator named {name!r} already exists")
    renamed = await api.patch(f"/v1.1/operators/{t.id}", json={"name": "default"}, headers=bearer(t.admin_key))
    expect(renamed, 409, "an operator named 'default' already exists")
    assert await world.state() == before


async def test_a_site_with_stations_cannot_be_deleted(world: World) -> None:
    api, t = world.node.api, world.tenant
    before = await world.state()
    site = t.site
    response = await api.delete(f"/v1.1/sites/{site['_id']}", headers=bearer(t.admin_key))
    expect(response, 409, f"site {site['name']!r} still has 1 charge station(s); move or delete them first")
    assert await world.state() == before
    moved = await api.patch(
        f"/v1.1/chargestations/{t.station['_id']}", json={"site": None}, headers=bearer(t.write_key)
    )
    assert expect(moved, 200)["site"] is None
    expect(await api.delete(f"/v1.1/sites/{site['_id']}", headers=bearer(t.write_key)), 200, "site deleted")
    expect(await api.get(f"/v1.1/sites/{site['_id']}", headers=bearer(t.read_key)), 404)


async def test_an_operator_with_stations_cannot_be_deleted(world: World) -> None:
    api, t = world.node.api, world.tenant
    before = await world.state()
    response = await api.delete(f"/v1.1/operators/{t.id}", headers=world.node.auth())
    expect(response, 409, f"operator {t.operator['name']!r} still has 1 charge station(s); delete them first")
    assert await world.state() == before
    expect(await api.delete(f"/v1.1/chargestations/{t.station['_id']}", headers=bearer(t.admin_key)), 200)
    expect(await api.delete(f"/v1.1/operators/{t.id}", headers=world.node.auth()), 200, "operator deleted")
    expect(await api.get(f"/v1.1/operators/{t.id}", headers=world.node.auth()), 404, f"operator {t.id} not found")
    rows = await _rows(world.node)
    assert all(t.id not in row for table in ("api_keys", "sites") for row in rows[table])


async def test_an_operator_cannot_delete_itself(node: RunningNode) -> None:
    operators = expect(await node.api.get("/v1.1/operators", headers=node.auth()), 200)
    own = operators[0]["_id"]
    expect(
        await node.api.delete(f"/v1.1/operators/{own}", headers=node.auth()), 409, "an operator cannot delete itself"
    )
    assert expect(await node.api.get("/v1.1/sites", headers=node.auth()), 200) == []


@pytest.mark.parametrize(
    ("version", "profile", "shape"),
    [
        ("1.6", 1, r"[0-9a-f]{40}"),
        ("1.6", 2, r"[0-9a-f]{40}"),
        ("2.0.1", 1, r"[A-Za-z0-9_\-]{16,64}"),
        ("2.0.1", 2, r"[A-Za-z0-9_\-]{16,64}"),
    ],
)
async def test_a_generated_password_is_shown_once(
    tls_node: RunningNode, version: str, profile: int, shape: str
) -> None:
    node = tls_node  # profile 2 needs the TLS listener
    body = _station(ocppVersion=version, securityProfile=profile)
    response = await node.api.post(STATIONS, json=body, headers=node.auth())
    created = expect(response, 201, "generated password shown once; configure it on the station")
    password = created["password"]
    assert re.fullmatch(shape, password), password
    assert created["hasPassword"] is True
    for again in (
        await node.api.get(f"{STATIONS}/{created['_id']}", headers=node.auth()),
        await node.api.get(STATIONS, headers=node.auth()),
        await node.api.patch(f"{STATIONS}/{created['_id']}", json={"serialNumber": "S1"}, headers=node.auth()),
    ):
        assert password not in again.text
        assert '"password"' not in again.text
    if profile == 1:
        # It is the password the station is let in with.
        async with station(node.ws_url, body["identity"], password, version=version) as ws:
            assert (await boot(ws, version))["status"] == "Accepted"


async def test_profile_3_needs_no_password_and_gets_none(tls_node: RunningNode) -> None:
    node = tls_node
    body = _station(securityProfile=3, serialNumber="SN-1")
    created = expect(await node.api.post(STATIONS, json=body, headers=node.auth()), 201, "")
    assert created["password"] is None
    assert created["hasPassword"] is False
    # A password can be set, and removed again with null while the profile is 3.
    set_ = await node.api.patch(f"{STATIONS}/{created['_id']}", json={"password": PASSWORD_16}, headers=node.auth())
    assert expect(set_, 200)["hasPassword"] is True
    cleared = await node.api.patch(f"{STATIONS}/{created['_id']}", json={"password": None}, headers=node.auth())
    assert expect(cleared, 200)["hasPassword"] is False
    # Down to profile 1 only with a password.
    down = await node.api.patch(f"{STATIONS}/{created['_id']}", json={"securityProfile": 1}, headers=node.auth())
    expect(down, 400, "security profile 1 needs a password")
    down = await node.api.patch(
        f"{STATIONS}/{created['_id']}", json={"securityProfile": 1, "password": PASSWORD_16}, headers=node.auth()
    )
    assert expect(down, 200)["securityProfile"] == 1


async def test_a_patch_changes_only_what_it_names(world: World) -> None:
    api, t = world.node.api, world.tenant
    url = f"{STATIONS}/{t.station['_id']}"
    before = expect(await api.get(url, headers=bearer(t.read_key)), 200)
    after = expect(await api.patch(url, json={"serialNumber": "SN-42"}, headers=bearer(t.write_key)), 200)
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {"serialNumber", "updatedAt"}
    assert expect(await api.get(url, headers=bearer(t.read_key)), 200)["serialNumber"] == "SN-42"
    version = await api.patch(url, json={"ocppVersion": "2.0.1", "password": PASSWORD_201}, headers=bearer(t.write_key))
    assert expect(version, 200)["ocppVersion"] == "2.0.1"
    cleared = expect(await api.patch(url, json={"serialNumber": None, "site": None}, headers=bearer(t.write_key)), 200)
    assert cleared["serialNumber"] is None
    assert cleared["site"] is None
    assert cleared["ocppVersion"] == "2.0.1"
    assert cleared["registrationState"] == "accepted"


async def test_station_lists_page_and_filter(node: RunningNode) -> None:
    ids = [(await node.add_station(f"CP-page-{i}"))["_id"] for i in range(5)]

    async def page(**params: Any) -> list[str]:
        return [s["_id"] for s in expect(await node.api.get(STATIONS, params=params, headers=node.auth()), 200)]

    assert await page() == ids
    assert await page(limit=2) == ids[:2]
    assert await page(limit=2, offset=2) == ids[2:4]
    assert await page(offset=4) == ids[4:]
    assert await page(offset=5) == []
    assert await page(identity="CP-page-3") == [ids[3]]
    assert await page(identity="CP-page") == []


async def test_openapi_docs_and_health(node: RunningNode) -> None:
    spec = node.api.get("/openapi.json")
    response = await spec
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path, methods in {
        "/healthz": {"get"},
        "/v1.1/operators": {"get", "post"},
        "/v1.1/operators/{operator_id}": {"get", "patch", "delete"},
        "/v1.1/apikeys": {"get", "post"},
        "/v1.1/apikeys/{key_id}": {"get", "delete"},
        "/v1.1/sites": {"get", "post"},
        "/v1.1/sites/{site_id}": {"get", "patch", "delete"},
        "/v1.1/chargestations": {"get", "post"},
        "/v1.1/chargestations/{station_id}": {"get", "patch", "delete"},
        "/v1.1/migrations": {"get", "post"},
        "/v1.1/migrations/inbound": {"post"},
        "/v1.1/migrations/{migration_id}": {"get"},
        "/v1.1/migrations/{migration_id}/pause": {"post"},
        "/v1.1/migrations/{migration_id}/resume": {"post"},
        "/v1.1/migrations/{migration_id}/cancel": {"post"},
        "/v1.1/migrations/{migration_id}/stations/{station}/retry": {"post"},
        "/v1.1/migrations/{migration_id}/stations/{station}/rollback": {"post"},
        "/v1.1/migrations/{migration_id}/stations/{station}/confirm": {"post"},
    }.items():
        assert set(paths[path]) == methods, path
    docs = await node.api.get("/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
    health = await node.api.get("/healthz")
    assert health.status_code == 200
    body = health.json()
    assert {k: body[k] for k in ("ok", "api", "gateway", "stationsConnected")} == {
        "ok": True,
        "api": True,
        "gateway": True,
        "stationsConnected": 0,
    }
    assert set(body["recorder"]) == {
        "backlog",
        "backlogLogBytes",
        "oldestSeconds",
        "congested",
        "shedMessages",
        "refusedItems",
    }
    assert body["recorder"]["congested"] is False


async def test_health_is_503_when_the_gateway_is_down(node: RunningNode) -> None:
    await node.sy.gateway.stop()
    health = await node.api.get("/healthz")
    assert health.status_code == 503
    assert health.json()["gateway"] is False


async def test_an_unexpected_failure_is_a_500_envelope_without_internals(
    node: RunningNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"internal detail {node.admin_key}")

    monkeypatch.setattr(node.sy.registry.sites, "list_sites", broken)
    transport = httpx.ASGITransport(app=create_app(node.sy), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://switchyard.test") as client:
        response = await client.get("/v1.1/sites", headers=node.auth())
        expect(response, 500, "internal error")
        assert "internal detail" not in response.text
        # The rest of the API is unaffected.
        expect(await client.get("/v1.1/chargestations", headers=node.auth()), 200)
