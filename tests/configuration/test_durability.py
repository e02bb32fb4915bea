"""kill -9 during a batch of changes: after restarts every action ends, none lost, none sent twice blindly.

`switchyard serve` runs as a real process; simulated stations (in this process) answer slowly so the
kills land while changes are in flight. The server is killed twice and started again on the same
database and ports; the stations reconnect by themselves. The webhook receiver is down the whole time
and comes back at the end: every event still arrives, signed, in order per station.

The first kill lands while a change is with a station (phase `sending`, read from the killed server's
database): that is the state a restart must decide by read-back, and the only real-process check of
it (tests/configuration/test_resume.py writes that phase itself). Each case has its own fixed seed for
the kill moments, so a failure can be run again exactly.
"""

import asyncio
import contextlib
import itertools
import random
import signal
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest

from switchyard.sim.faults import parse_faults
from switchyard.sim.station import SimulatedStation
from tests.cli.test_serve import environment, serving
from tests.sim.support import spec_for
from tests.support import RunningNode
from tests.webhooks.helpers import verify
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.slow

STATIONS = 10
CHANGES = [("LightIntensity", "{n}"), ("ConnectionTimeOut", "1{n}0"), ("ResetRetries", "{m}")]
UPDATE = "chargestation.update_configuration"
TERMINAL = {"completed", "rejected", "failed"}


class Api:
    def __init__(self, client: httpx.AsyncClient, key: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {key}"}

    async def __call__(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.client.request(method, path, headers=self.headers, **kwargs)
        assert response.status_code < 300, response.text
        return response.json()["result"]


async def wait_until(check: Any, timeout: float, every: float = 0.1) -> None:
    async with asyncio.timeout(timeout):
        while True:
            if await check():
                return
            await asyncio.sleep(every)


async def updates(api: Api, station_ids: list[str]) -> list[dict[str, Any]]:
    found = []
    for station_id in station_ids:
        found += await api("GET", f"/v1.1/chargestations/{station_id}/actions", params={"type": UPDATE, "view": "full"})
    return found


def phases_left(database: Path) -> dict[str, int]:
    """Open update actions by phase, read straight from the killed server's SQLite file."""
    with contextlib.closing(sqlite3.connect(database)) as connection:
        rows = connection.execute(
            "SELECT phase, count(*) FROM actions WHERE type = ? AND phase != 'done' GROUP BY phase", (UPDATE,)
        ).fetchall()
    return dict(rows)


async def wait_for_a_change_in_flight(database: Path, timeout: float) -> None:
    """Until the server has marked a change as being sent to its station."""

    async def in_flight() -> bool:
        return phases_left(database).get("sending", 0) > 0

    await wait_until(in_flight, timeout, every=0.01)


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_kill_9_mid_batch_loses_nothing_and_sends_nothing_twice_undecided(tmp_path: Path, seed: int) -> None:
    chaos = random.Random(seed)  # the kill moments
    env = environment(
        tmp_path,
        SWITCHYARD_READ_ON_BOOT="true",
        SWITCHYARD_CHANGE_SPACING="0",
        SWITCHYARD_CALL_TIMEOUT="5",
        SWITCHYARD_LOG_LEVEL="warning",
        SWITCHYARD_WEBHOOK_RETRY_BASE="0.2",
        SWITCHYARD_WEBHOOK_RETRY_MAX_DELAY="1",
        SWITCHYARD_WEBHOOK_POLL_INTERVAL="0.5",
        SWITCHYARD_WEBHOOK_ALLOWED_NETWORKS="127.0.0.1/32",  # the receiver listens on loopback
    )
    receiver = Receiver()
    await receiver.start()
    url = f"ws://127.0.0.1:{env['SWITCHYARD_OCPP_PORT']}/ocpp"
    node_stub = RunningNode(None, "", None)  # type: ignore[arg-type]  # spec_for only needs a URL
    specs = [
        spec_for(node_stub, f"KILL-{n:02d}", url=url, faults=parse_faults("slow=0.1"), backoff_max=0.3)
        for n in range(STATIONS)
    ]
    stations = [SimulatedStation(spec) for spec in specs]
    station_ids: list[str] = []
    wanted: dict[str, dict[str, str]] = {}
    try:
        async with serving(tmp_path, env) as served:
            assert served.key is not None
            key = served.key
            async with httpx.AsyncClient(base_url=served.api, timeout=20) as client:
                api = Api(client, key)
                own = (await api("GET", "/v1.1/operators"))[0]["_id"]
                await api("PATCH", f"/v1.1/operators/{own}", json={"baselineEnabled": False})
                hook = {"url": receiver.url, "events": [f"{UPDATE}.*"]}
                secret = (await api("POST", "/v1.1/webhooks", json=hook))["secret"]
                await receiver.stop()  # down until the end
                for spec in specs:
                    body = {
                        "identity": spec.identity,
                        "ocppVersion": "1.6",
                        "securityProfile": 1,
                        "password": spec.password,
                    }
                    station_ids.append((await api("POST", "/v1.1/chargestations", json=body))["_id"])
                for station in stations:
                    station.start()

                async def all_read() -> bool:
                    for station_id in station_ids:
                        reads = await api(
                            "GET",
                            f"/v1.1/chargestations/{station_id}/actions",
                            params={"type": "chargestation.get_configuration", "status": "completed"},
                        )
                        if not reads:
                            return False
                    return True

                await wait_until(all_read, 30)
                for n, station_id in enumerate(station_ids):
                    batch = [{"key": k, "value": v.format(n=n + 1, m=n % 5 + 1)} for k, v in CHANGES]
                    wanted[station_id] = {c["key"]: c["value"] for c in batch}
                    await api("POST", f"/v1.1/chargestations/{station_id}/configurations", json=batch)
                # A station takes at least 0.6 s for its three changes (each sent and read back, 0.1 s
                # per answer), and its current change stays `sending` until read back.
                await wait_for_a_change_in_flight(tmp_path / "served.db", 30)
                await asyncio.sleep(chaos.uniform(0.0, 0.4))
            served.process.send_signal(signal.SIGKILL)
            await served.process.wait()
        # The kill landed while a change was with a station, its answer not yet recorded.
        open_phases = phases_left(tmp_path / "served.db")
        print(f"open after the first kill: {open_phases}")
        assert open_phases.get("sending", 0) >= 1, f"no change was being sent at the kill: {open_phases}"

        # Up again, and killed again a moment later.
        async with serving(tmp_path, env, until="Database") as served:
            await asyncio.sleep(chaos.uniform(0.3, 1.0))
            served.process.send_signal(signal.SIGKILL)
            await served.process.wait()

        async with serving(tmp_path, env, until="Database") as served:
            async with httpx.AsyncClient(base_url=served.api, timeout=20) as client:
                api = Api(client, key)

                async def all_ended() -> bool:
                    found = await updates(api, station_ids)
                    return all(a["status"] in TERMINAL and a["phase"] == "done" for a in found)

                await wait_until(all_ended, 60)
                actions = await updates(api, station_ids)
                events = await api("GET", "/v1.1/webhooks/events", params={"type": f"{UPDATE}.*", "limit": 1000})
                await receiver.start()  # same port: the retries find it
                wanted_ids = {event["_id"] for event in events}
                await receiver.wait_for(lambda r: wanted_ids <= {d.json()["_id"] for d in r.delivered}, 60)
            await served.stop()
    finally:
        await asyncio.gather(*(station.stop() for station in stations))
        await receiver.stop()

    # None lost: every requested change is there, and each one succeeded.
    assert len(actions) == STATIONS * len(CHANGES)
    assert {a["status"] for a in actions} == {"completed"}, [a for a in actions if a["status"] != "completed"]
    for station, station_id in zip(stations, station_ids, strict=True):
        for key_name, value in wanted[station_id].items():
            assert station.value(key_name) == value, (station.identity, key_name)
        # None sent twice without a read-back deciding it: between two ChangeConfiguration of a key,
        # the station was asked for that key's value.
        for key_name in wanted[station_id]:
            sequence = [
                m.action
                for m in station.received
                if (m.action == "ChangeConfiguration" and m.payload["key"] == key_name)
                or (m.action == "GetConfiguration" and key_name in m.payload.get("key", [key_name]))
            ]
            changes = [i for i, name in enumerate(sequence) if name == "ChangeConfiguration"]
            for first, second in itertools.pairwise(changes):
                assert "GetConfiguration" in sequence[first + 1 : second], (station.identity, key_name, sequence)
    # Each action announced exactly once per status: requested, then accepted.
    by_action: dict[str, list[str]] = {}
    for event in reversed(events):
        by_action.setdefault(event["envelope"]["data"]["_id"], []).append(event["type"].rsplit(".", 1)[1])
    assert {a["_id"] for a in actions} == set(by_action)
    assert all(kinds == ["requested", "accepted"] for kinds in by_action.values()), by_action

    # Webhooks: all delivered (at least once; a receiver dedupes by webhook-id), signed, in order per station.
    first_delivery: dict[str, Any] = {}
    for delivery in receiver.delivered:
        assert verify(secret, delivery.headers, delivery.body)
        first_delivery.setdefault(delivery.headers["webhook-id"], delivery)
    order = {event["_id"]: position for position, event in enumerate(reversed(events))}
    per_station: dict[str, list[int]] = {}
    for delivery in first_delivery.values():
        envelope = delivery.json()
        per_station.setdefault(envelope["data"]["chargestation"], []).append(order[envelope["_id"]])
    assert sum(len(seen) for seen in per_station.values()) == len(events)
    assert all(seen == sorted(seen) for seen in per_station.values()), per_station
