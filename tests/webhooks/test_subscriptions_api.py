"""/v1.1/webhooks: create, read, change, delete; exact refusals; the secret shown once and encrypted at rest."""

import base64
import io
import logging
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from switchyard.core.webhooks.signing import generate_secret
from tests.api.helpers import Tenant, bearer, expect, make_tenant, unique
from tests.support import POSTGRES, RunningNode
from tests.webhooks.helpers import emit, subscribe
from tests.webhooks.receiver import Receiver

HOOKS = "/v1.1/webhooks"
URL_RULE = "url: must be an http or https URL with a host, like https://example.com/webhooks"
SECRET_RULE = "secret: must be 'whsec_' followed by the base64 of 24 to 64 random bytes"
FIELDS = {"_id", "operator", "url", "events", "description", "createdAt", "updatedAt"}


@pytest.fixture
async def tenant(node: RunningNode) -> Tenant:
    return await make_tenant(node, unique("Hooked"))


async def test_create_read_change_delete(node: RunningNode, tenant: Tenant) -> None:
    api, admin = node.api, bearer(tenant.admin_key)
    body = {"url": "https://example.com/hooks", "events": ["chargestation.*"], "description": " ERP "}
    response = await api.post(HOOKS, json=body, headers=admin)
    created = expect(response, 201, "store this signing secret now: it is not shown again")
    assert set(created) == FIELDS | {"secret"}
    assert created["operator"] == tenant.id
    assert created["url"] == "https://example.com/hooks"
    assert created["events"] == ["chargestation.*"]
    assert created["description"] == "ERP"
    hook_id = created["_id"]

    shown = {k: v for k, v in created.items() if k != "secret"}
    assert expect(await api.get(f"{HOOKS}/{hook_id}", headers=bearer(tenant.read_key)), 200) == shown
    assert expect(await api.get(HOOKS, headers=bearer(tenant.read_key)), 200) == [shown]

    patch = {"url": "http://1.1.1.1:8080/in", "events": ["chargestation.reset.*", "x.y"], "description": None}
    changed = expect(await api.patch(f"{HOOKS}/{hook_id}", json=patch, headers=admin), 200)
    assert changed["url"] == "http://1.1.1.1:8080/in"
    assert changed["events"] == ["chargestation.reset.*", "x.y"]
    assert changed["description"] is None
    assert changed["updatedAt"] >= changed["createdAt"]
    # Fields left out stay as they are.
    again = expect(await api.patch(f"{HOOKS}/{hook_id}", json={"description": "v2"}, headers=admin), 200)
    assert again["url"] == "http://1.1.1.1:8080/in"
    assert again["events"] == ["chargestation.reset.*", "x.y"]

    expect(await api.delete(f"{HOOKS}/{hook_id}", headers=admin), 200, "webhook deleted")
    expect(await api.get(f"{HOOKS}/{hook_id}", headers=admin), 404, f"webhook {hook_id} not found")
    assert expect(await api.get(HOOKS, headers=admin), 200) == []


async def test_events_left_out_means_every_event(node: RunningNode) -> None:
    created = await subscribe(node, "https://example.com/all")
    assert created["events"] == ["*"]


async def test_the_secret_is_shown_once_and_stored_encrypted(node: RunningNode, tmp_path: Path) -> None:
    api = node.api
    created = await subscribe(node, "https://example.com/once")
    secret = created["secret"]
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    key_part = secret.removeprefix("whsec_")
    hook = f"{HOOKS}/{created['_id']}"
    responses = [
        await api.get(HOOKS, headers=node.auth()),
        await api.get(hook, headers=node.auth()),
        await api.patch(hook, json={"description": "x"}, headers=node.auth()),
        await api.patch(hook, json={"secret": generate_secret()}, headers=node.auth()),
        await api.delete(hook, headers=node.auth()),
    ]
    for response in responses:
        assert response.status_code == 200, response.text
        assert key_part not in response.text
        assert "secret" not in response.text

    # A second subscription, kept: its row holds the secret only encrypted.
    kept = await subscribe(node, "https://example.com/kept")
    async with node.sy.db.sessions() as session:
        rows = [dict(r._mapping) for r in await session.execute(text("SELECT * FROM webhook_subscriptions"))]
    assert len(rows) == 1
    stored = rows[0]["secret_ciphertext"]
    assert stored.startswith(f"v1.{node.sy.webhooks.cipher.key_id}.")
    raw = base64.b64decode(kept["secret"].removeprefix("whsec_"))
    for value in rows[0].values():
        assert kept["secret"].removeprefix("whsec_") not in str(value)
        assert raw.hex() not in str(value)
    assert node.sy.webhooks.cipher.decrypt(stored, kept["_id"]) == kept["secret"]
    # The key lives next to the database, readable by its owner only.
    key_file = tmp_path / ("secret.key" if POSTGRES else "switchyard.db.key")
    assert node.sy.webhooks.cipher.key_file == key_file
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


async def test_a_given_secret_is_not_echoed(node: RunningNode) -> None:
    secret = generate_secret()
    response = await node.api.post(HOOKS, json={"url": "https://example.com/x", "secret": secret}, headers=node.auth())
    created = expect(response, 201, "")
    assert created["secret"] is None
    assert secret.removeprefix("whsec_") not in response.text


@dataclass(frozen=True)
class Bad:
    name: str
    body: Any
    status: int
    message: str
    method: str = "POST"


def _too_long(n: int) -> str:
    return "https://example.com/" + "a" * (n - len("https://example.com/"))


BAD = [
    Bad("no url", {}, 422, "url: required"),
    Bad("url not text", {"url": 7}, 422, "url: Input should be a valid string"),
    Bad("ftp", {"url": "ftp://example.com/x"}, 400, f"{URL_RULE}; got 'ftp://example.com/x'"),
    Bad("no scheme", {"url": "example.com/x"}, 400, f"{URL_RULE}; got 'example.com/x'"),
    Bad("no host", {"url": "https:///x"}, 400, f"{URL_RULE}; got 'https:///x'"),
    Bad(
        "space",
        {"url": "https://exa mple.com/"},
        400,
        "url: must not contain spaces or invisible characters; got 'https://exa mple.com/'",
    ),
    Bad(
        "zero-width space",
        {"url": "https://exa\u200bmple.com/"},
        400,
        "url: must not contain spaces or invisible characters; got 'https://exa\\u200bmple.com/'",
    ),
    Bad(
        "NUL",
        {"url": "https://exa\u0000mple.com/"},
        422,
        "url: must not contain control characters; found U+0000 at character 12",
    ),
    Bad(
        "port 0",
        {"url": "https://example.com:0/"},
        400,
        "url: the port must be between 1 and 65535; got 'https://example.com:0/'",
    ),
    Bad(
        "empty port",
        {"url": "https://example.com:/"},
        400,
        "url: the port must be between 1 and 65535; got 'https://example.com:/'",
    ),
    Bad("bad host", {"url": "https://-/"}, 400, f"{URL_RULE}; got 'https://-/'"),
    Bad(
        "bad port",
        {"url": "https://example.com:99999/"},
        400,
        "url: the port must be between 1 and 65535; got 'https://example.com:99999/'",
    ),
    Bad(
        "credentials",
        {"url": "https://user:pw@example.com/"},
        400,
        "url: must not contain credentials; verify the webhook-signature header instead",
    ),
    Bad("url too long", {"url": _too_long(2001)}, 422, "url: String should have at most 2000 characters"),
    Bad("events not a list", {"url": "https://e.com", "events": "a.*"}, 422, "events: Input should be a valid list"),
    Bad(
        "no events",
        {"url": "https://e.com", "events": []},
        400,
        "events: name at least one event type or pattern, or leave it out for every event",
    ),
    Bad(
        "inner wildcard",
        {"url": "https://e.com", "events": ["chargestation.*.accepted"]},
        400,
        "events: 'chargestation.*.accepted': '*' may only stand for the last segment, as in 'chargestation.*'",
    ),
    Bad(
        "partial wildcard",
        {"url": "https://e.com", "events": ["charge*"]},
        400,
        "events: 'charge*': '*' must be a whole segment, as in 'chargestation.*'",
    ),
    Bad(
        "capitals",
        {"url": "https://e.com", "events": ["ChargeStation.reset"]},
        400,
        "events: 'ChargeStation.reset': segments are lowercase letters, digits, '_' and '-', separated by single dots",
    ),
    Bad("secret shape", {"url": "https://e.com", "secret": "hunter2"}, 400, SECRET_RULE),
    Bad("secret short", {"url": "https://e.com", "secret": "whsec_c2hvcnQ="}, 400, f"{SECRET_RULE}; got 5 bytes"),
    Bad("secret not text", {"url": "https://e.com", "secret": 5}, 422, "secret: Input should be a valid string"),
    Bad("unknown field", {"url": "https://e.com", "enabled": True}, 422, "enabled: unknown field"),
    Bad("patch null url", {"url": None}, 422, "url: must not be null", "PATCH"),
    Bad("patch null events", {"events": None}, 422, "events: must not be null", "PATCH"),
    Bad("patch null secret", {"secret": None}, 422, "secret: must not be null", "PATCH"),
    Bad("patch bad url", {"url": "mailto:x@e.com"}, 400, f"{URL_RULE}; got 'mailto:x@e.com'", "PATCH"),
    Bad(
        "patch bad secret",
        {"secret": "whsec_!!"},
        400,
        f"{SECRET_RULE}; the part after 'whsec_' is not base64",
        "PATCH",
    ),
    Bad("patch empty events", {"events": []}, 400, "events: name at least one", "PATCH"),
]


@pytest.mark.parametrize("bad", BAD, ids=lambda b: b.name)
async def test_refusals_say_why_and_change_nothing(node: RunningNode, bad: Bad) -> None:
    existing = await subscribe(node, "https://example.com/existing", events=["a.*"])
    path = HOOKS if bad.method == "POST" else f"{HOOKS}/{existing['_id']}"
    before = expect(await node.api.get(HOOKS, headers=node.auth()), 200)
    response = await node.api.request(bad.method, path, json=bad.body, headers=node.auth())
    if bad.name == "patch empty events":
        expect(response, 400)
        assert response.json()["message"].startswith(bad.message)
    else:
        expect(response, bad.status, bad.message)
    assert expect(await node.api.get(HOOKS, headers=node.auth()), 200) == before


async def test_scopes(node: RunningNode, tenant: Tenant) -> None:
    api = node.api
    created = await subscribe(node, "https://example.com/s", key=tenant.admin_key)
    event_id = await emit(node, tenant.id, station_id=None)
    hook = f"{HOOKS}/{created['_id']}"
    for scope in ("read", "write"):
        headers = bearer(tenant.keys[scope])
        assert expect(await api.get(HOOKS, headers=headers), 200)[0]["_id"] == created["_id"]
        assert expect(await api.get(hook, headers=headers), 200)["_id"] == created["_id"]
        assert expect(await api.get(f"{HOOKS}/events", headers=headers), 200)[0]["_id"] == event_id
        assert expect(await api.get(f"{HOOKS}/events/{event_id}", headers=headers), 200)["_id"] == event_id
        refusal = f"this API key has scope '{scope}'; 'admin' is required"
        for method, path, body in [
            ("POST", HOOKS, {"url": "https://example.com/new"}),
            ("PATCH", hook, {"url": "https://example.com/changed"}),
            ("DELETE", hook, None),
            ("POST", f"{HOOKS}/events/{event_id}/replay", None),
        ]:
            expect(await api.request(method, path, json=body, headers=headers), 403, refusal)
    assert expect(await api.get(hook, headers=bearer(tenant.admin_key)), 200)["url"] == "https://example.com/s"
    expect(await api.get(HOOKS), 401, "missing API key: send 'Authorization: Bearer <key>'")


async def test_secrets_never_reach_the_logs(
    node: RunningNode, receiver: Receiver, debug_logs: io.StringIO, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    generated = await subscribe(node, receiver.url)
    given = generate_secret()
    await subscribe(node, receiver.url, secret=given)
    await node.api.post(HOOKS, json={"url": "ftp://x", "secret": given}, headers=node.auth())
    refused = await node.api.post(HOOKS, json={"url": receiver.url, "secret": given[:-1]}, headers=node.auth())
    assert refused.status_code == 400
    operator = (await node.sy.registry.keys.authenticate(node.admin_key)).operator_id
    await emit(node, operator, data={"key": "AuthorizationKey", "value": "0123456789abcdef"})
    await receiver.wait_for(lambda r: len(r.delivered) == 2)
    receiver.status = 500
    await emit(node, operator)
    await receiver.wait_for(lambda r: len(r.requests) >= 5)
    everything = debug_logs.getvalue() + caplog.text
    assert "created the secret key file" in everything, "the capture is not vacuous"
    for secret in (generated["secret"], given):
        assert secret.removeprefix("whsec_")[:20] not in everything
    assert "0123456789abcdef" not in everything
    assert all("0123456789abcdef" not in r.body.decode() for r in receiver.requests)
