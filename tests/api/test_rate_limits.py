"""One client cannot take the API or a station's queue from the others: requests per key, open
actions per station."""

from pathlib import Path

from switchyard.api.rates import KeyRates
from tests.configuration.support import baseline, boot_and_read, change, ok_result
from tests.support import PASSWORD_16, running_node, station


def test_a_key_gets_its_burst_then_its_rate() -> None:
    now = [100.0]
    rates = KeyRates(rate=2.0, burst=3, clock=lambda: now[0])
    assert [rates.take("a") for _ in range(3)] == [0, 0, 0]
    assert rates.take("a") == 1
    assert rates.take("b") == 0, "another key has its own bucket"
    now[0] += 0.5
    assert rates.take("a") == 0
    assert rates.take("a") == 1


async def test_requests_past_a_keys_rate_get_429_and_other_keys_go_on(tmp_path: Path) -> None:
    async with running_node(tmp_path, api_requests_per_second=0.01, api_request_burst=3) as node:
        created = ok_result(
            await node.api.post("/v1.1/apikeys", json={"name": "other", "scope": "read"}, headers=node.auth()), 201
        )
        statuses = [(await node.api.get("/v1.1/sites", headers=node.auth())).status_code for _ in range(3)]
        assert statuses == [200, 200, 429], "the key creation spent one of the burst"
        refused = await node.api.get("/v1.1/sites", headers=node.auth())
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert refused.json() == {"ok": False, "message": refused.json()["message"], "result": None}
        assert "too many requests" in refused.json()["message"]
        assert (await node.api.get("/v1.1/sites", headers=node.auth(created["key"]))).status_code == 200


async def test_a_station_has_at_most_max_open_actions(tmp_path: Path) -> None:
    async with running_node(tmp_path, read_on_boot=True, max_open_actions=3, change_spacing=60.0) as node:
        await baseline(node, enabled=False)
        created = await node.add_station("QUEUE-1", password=PASSWORD_16)
        heartbeat = {"key": "HeartbeatInterval", "readonly": False, "value": "300"}
        async with station(node.ws_url, "QUEUE-1", PASSWORD_16) as ws:
            await boot_and_read(node, ws, created["_id"], heartbeat)
        for value in ("100", "200", "300"):  # the station is away: they wait
            assert (await change(node, created["_id"], "HeartbeatInterval", value)).status_code == 200
        refused = await change(node, created["_id"], "HeartbeatInterval", "400")
        assert refused.status_code == 429
        assert "3 actions still open and at most 3" in refused.json()["message"]
        read = await node.api.get(f"/v1.1/chargestations/{created['_id']}/configurations", headers=node.auth())
        assert read.status_code == 429
