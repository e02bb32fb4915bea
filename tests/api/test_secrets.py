"""Secrets are shown once and never again: not by the API, not in the database, not in the logs."""

import hashlib
import io
import logging
import re
from typing import Any

import pytest
import structlog
from sqlalchemy import text

from tests.api.helpers import bearer, create_key, expect, make_tenant, unique
from tests.support import PASSWORD_16, PASSWORD_201, RunningNode, boot, station

KEY_SHAPE = re.compile(r"^sy_[0-9a-f]{24}_[A-Za-z0-9_\-]{20,}$")
SECRET_AT = len("sy_") + 24 + len("_")


async def _dump(node: RunningNode, table: str) -> list[dict[str, Any]]:
    async with node.sy.db.sessions() as session:
        rows = await session.execute(text(f"SELECT * FROM {table}"))  # noqa: S608  # a fixed table name
        return [dict(row._mapping) for row in rows]


async def test_an_api_key_is_shown_once_and_stored_as_a_hash(node: RunningNode) -> None:
    api = node.api
    created = await create_key(node, node.admin_key, "write")
    key, key_id = created["key"], created["_id"]
    assert KEY_SHAPE.match(key), key
    assert key.startswith(f"sy_{key_id}_")
    secret = key[SECRET_AT:]
    assert created["scope"] == "write"
    assert set(created) == {"_id", "operator", "name", "scope", "createdAt", "lastUsedAt", "revokedAt", "key"}

    # It works, and it is never shown again, in any form.
    assert expect(await api.get("/v1.1/sites", headers=bearer(key)), 200) == []
    stored = [row for row in await _dump(node, "api_keys") if row["id"] == key_id]
    assert len(stored) == 1
    digest = stored[0]["secret_hash"]
    assert digest == hashlib.sha256(secret.encode()).hexdigest()
    responses = [
        await api.get("/v1.1/apikeys", headers=node.auth()),
        await api.get(f"/v1.1/apikeys/{key_id}", headers=node.auth()),
        await api.delete(f"/v1.1/apikeys/{key_id}", headers=node.auth()),
        await api.get("/v1.1/apikeys", headers=node.auth()),
    ]
    for response in responses:
        assert response.status_code == 200
        assert "key" not in response.json()["result"]
        for needle in (key, secret, digest, "secret", "hash"):
            assert needle not in response.text, needle
    listed = responses[0].json()["result"]
    assert key_id in {k["_id"] for k in listed}
    assert all("key" not in k for k in listed)

    # The table holds no secret at all: every column of every key is free of it.
    for row in await _dump(node, "api_keys"):
        for value in row.values():
            assert secret not in str(value)
            assert key not in str(value)


async def test_station_passwords_never_leave_the_creation_response(tls_node: RunningNode) -> None:
    node = tls_node  # the generated password is for a profile 2 station
    api = node.api
    given = expect(
        await api.post(
            "/v1.1/chargestations",
            json={"identity": "CP-given", "ocppVersion": "2.0.1", "securityProfile": 1, "password": PASSWORD_201},
            headers=node.auth(),
        ),
        201,
    )
    assert given["password"] is None
    assert given["hasPassword"] is True
    generated_response = await api.post(
        "/v1.1/chargestations",
        json={"identity": "CP-generated", "ocppVersion": "1.6", "securityProfile": 2},
        headers=node.auth(),
    )
    generated = expect(generated_response, 201, "generated password shown once; configure it on the station")
    password = generated["password"]
    assert isinstance(password, str)
    assert re.fullmatch(r"[0-9a-f]{40}", password), "a 20-byte 1.6 AuthorizationKey, as hex"
    patched = await api.patch(
        f"/v1.1/chargestations/{given['_id']}", json={"password": PASSWORD_201[::-1]}, headers=node.auth()
    )
    expect(patched, 200)
    secrets = (PASSWORD_201, PASSWORD_201[::-1], password)
    responses = [
        patched,
        await api.get("/v1.1/chargestations", headers=node.auth()),
        await api.get(f"/v1.1/chargestations/{given['_id']}", headers=node.auth()),
        await api.get(f"/v1.1/chargestations/{generated['_id']}", headers=node.auth()),
    ]
    for response in responses:
        assert response.status_code == 200
        for secret in secrets:
            assert secret not in response.text
        assert "pbkdf2" not in response.text
        assert "passwordHash" not in response.text
        items = response.json()["result"]
        for item in items if isinstance(items, list) else [items]:
            assert "password" not in item
            assert item["hasPassword"] is True
    for row in await _dump(node, "stations"):
        assert row["password_hash"].startswith("pbkdf2_sha256$")
        for value in row.values():
            for secret in secrets:
                assert secret not in str(value)


async def test_api_keys_never_reach_the_logs(
    node: RunningNode,
    debug_logs: io.StringIO,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    api = node.api
    tenant = await make_tenant(node, unique("Logged"))
    extra = await create_key(node, tenant.admin_key, "read")
    keys = [node.admin_key, *tenant.keys.values(), extra["key"]]
    # A busy session: reads, writes, refusals, a revocation, and a station that connects and boots.
    for key in keys:
        await api.get("/v1.1/chargestations", headers=bearer(key))
        await api.post("/v1.1/sites", json={"name": unique("s")}, headers=bearer(key))
        await api.get("/v1.1/nowhere", headers=bearer(key))
        await api.get("/v1.1/sites", headers=bearer(key[:-1]))
        await api.get("/v1.1/sites", headers={"Authorization": f"Basic {key}"})
    await api.delete(f"/v1.1/apikeys/{extra['_id']}", headers=bearer(tenant.admin_key))
    await api.get("/v1.1/sites", headers=bearer(extra["key"]))
    await node.add_station("CP-logged", key=tenant.write_key)
    async with station(node.ws_url, "CP-logged", PASSWORD_16) as ws:
        await boot(ws)
    wrong = "fedcba9876543210fedcba9876543210"
    with pytest.raises(Exception, match="401"):
        async with station(node.ws_url, "CP-logged", wrong):
            pass
    await node.flush()

    # Whatever a library or a careless caller might log, the configured output masks it.
    key = tenant.admin_key
    logging.getLogger("switchyard.test").debug("header %s", f"Bearer {key}")
    logging.getLogger("switchyard.test").debug("mapping %(auth)s", {"auth": key})
    logging.getLogger("switchyard.test").info("request %r", {"headers": {"authorization": f"Bearer {key}"}})
    try:
        raise ValueError(f"bad key {key}")
    except ValueError:
        logging.getLogger("switchyard.test").exception("stdlib failure")
        structlog.get_logger("switchyard.test").exception("structlog failure")
    structlog.get_logger("switchyard.test").debug("request", headers={"Authorization": f"Bearer {key}"}, note=key)
    structlog.get_logger("switchyard.test").debug(f"inline {key}")
    structlog.get_logger("switchyard.test").info("nested", request={"url": "/x", "auth": [key]})

    output = debug_logs.getvalue()
    captured = capsys.readouterr()
    everything = "\n".join([output, captured.out, captured.err, caplog.text])
    # The capture is not vacuous: the node's own events and the test's lines were written.
    assert "station connected" in output
    assert "gateway" in output or "switchyard" in output
    for marker in ("header ", "mapping ", "request ", "stdlib failure", "structlog failure", "inline ", "nested"):
        assert marker in output, marker
    assert "Logging error" not in everything
    assert "sy_***" in output
    assert "wrong password" in output, "the refused station was logged..."
    for password in (PASSWORD_16, wrong, PASSWORD_16.encode().hex()):
        assert password not in everything, "...but never its password"
    for key in keys:
        assert key not in output
        assert key[SECRET_AT:] not in output
    for key in keys:
        # caplog holds raw records (not what any handler printed); only the node's own records count.
        assert key not in "\n".join(r.getMessage() for r in caplog.records if r.name != "switchyard.test")
        assert key not in captured.out
        assert key not in captured.err
