"""Migrations and scopes: a read key sees migrations and changes nothing; a write key acts."""

from tests.api.helpers import bearer, expect, make_tenant, unique
from tests.support import RunningNode

READ_NEEDS_WRITE = "this API key has scope 'read'; 'write' is required"


async def test_a_read_key_sees_migrations_but_cannot_start_or_act_on_one(node: RunningNode) -> None:
    tenant = await make_tenant(node, unique("Migrating"))
    api = node.api
    body = {
        "targetUrl": "ws://127.0.0.1:9/ocpp",
        "stations": [tenant.station["_id"]],
        "securityProfile": 1,
        "confirmation": {"mode": "external"},
    }
    expect(await api.post("/v1.1/migrations", json=body, headers=bearer(tenant.read_key)), 403, READ_NEEDS_WRITE)
    dry = {**body, "dryRun": True}
    expect(await api.post("/v1.1/migrations", json=dry, headers=bearer(tenant.read_key)), 403, READ_NEEDS_WRITE)
    # The write key starts it (the station is offline: refused at preflight, the job completes).
    job = expect(await api.post("/v1.1/migrations", json=body, headers=bearer(tenant.write_key)), 201)
    path = f"/v1.1/migrations/{job['_id']}"
    assert expect(await api.get(path, headers=bearer(tenant.read_key)), 200)["_id"] == job["_id"]
    listed = expect(await api.get("/v1.1/migrations", headers=bearer(tenant.read_key)), 200)
    assert [m["_id"] for m in listed] == [job["_id"]]
    station = tenant.station["identity"]
    acts = [f"{path}/{act}" for act in ("pause", "resume", "cancel")]
    acts += [f"{path}/stations/{station}/{act}" for act in ("retry", "rollback", "confirm")]
    for act in acts:
        expect(await api.post(act, headers=bearer(tenant.read_key)), 403, READ_NEEDS_WRITE)
    inbound = {
        "stations": [{"identity": unique("IN"), "ocppVersion": "2.0.1", "securityProfile": 1, "password": "x" * 20}],
        "deadlineSeconds": 60,
    }
    expect(
        await api.post("/v1.1/migrations/inbound", json=inbound, headers=bearer(tenant.read_key)), 403, READ_NEEDS_WRITE
    )
    assert expect(await api.get(path, headers=bearer(tenant.read_key)), 200) == expect(
        await api.get(path, headers=bearer(tenant.write_key)), 200
    )
    stations = expect(await api.get("/v1.1/chargestations", headers=bearer(tenant.read_key)), 200)
    assert [s["_id"] for s in stations] == [tenant.station["_id"]], "the refused inbound migration registered nothing"
