"""Contract: the action JSON, the webhook envelopes and the details list match seed 002 field for field.

The simulated station `edrv-reference-16` is the station of the seed's details example (same keys,
values and flags), so the seed's examples can be compared with what Switchyard answers for it.
"""

from typing import Any

from switchyard.store.config_tables import ReportedSetting
from tests.configuration.seed002 import ID, TIMESTAMP, examples, same_shape
from tests.configuration.support import baseline, ok_result, read_station, wait_action
from tests.support import RunningNode
from tests.webhooks.receiver import Receiver

# Where the seed's details example and Switchyard differ on purpose (docs/configuration.md):
# the example's desired values are its account's policy, Switchyard's come from the seed's own
# "Recommended Chargestation Configuration"; keys the seed calls Unknown are in our catalogue;
# the simulated station reports its real security profile.
DESIRED_DIFFERENT = {
    "LocalPreAuthorize": (False, None),
    "LocalAuthListEnabled": ("default", None),
    "SupportedFeatureProfiles": ([], None),
    "SupportedFileTransferProtocols": ("Not Defined", None),
    "CpoName": ("Not Defined", None),
    "SecurityProfile": ("Not Defined", None),
    "ConnectionTimeOut": (285, 300),
}
CATEGORY_DIFFERENT = {
    "SupportedFileTransferProtocols": ("Unknown", "firmware_management"),
    "CpoName": ("Unknown", "security"),
    "SecurityProfile": ("Unknown", "security"),
    "ReserveConnectorZeroSupported": ("local_auth", "reservation"),
}
VALUE_DIFFERENT = {"SecurityProfile": ("0", "1")}


def check_action(ours: dict[str, Any], seed: dict[str, Any]) -> None:
    assert same_shape(ours, seed) == []
    assert ID.match(ours["_id"])
    assert ID.match(ours["chargestation"])
    assert TIMESTAMP.match(ours["createdAt"])
    assert TIMESTAMP.match(ours["updatedAt"])
    assert ours["type"] == seed["type"]
    assert ours["status"] == seed["status"]


async def test_the_create_response_is_the_seed_s(node: RunningNode) -> None:
    seed = examples()["created"]
    async with read_station(node, "edrv03") as (_, station_id):
        response = await node.api.post(
            f"/v1.1/chargestations/{station_id}/configurations", json=examples()["request"], headers=node.auth()
        )
        ours = response.json()
        assert response.status_code == 200
        assert same_shape(ours, seed) == []
        check_action(ours["result"], seed["result"])
        assert ours["result"]["data"] == seed["result"]["data"] == {"key": "HeartbeatInterval", "value": "901"}
        assert ours["result"]["chargestation"] == station_id
        assert ours["result"]["createdAt"] == ours["result"]["updatedAt"]
        # The action read later has the same shape, plus the station's answer.
        done = await wait_action(node, ours["result"]["_id"])
        later = ok_result(await node.api.get(f"/v1.1/actions/{done['_id']}", headers=node.auth()))
        check_action(later, examples()["webhooks"]["accepted"]["data"])


async def test_the_webhook_envelopes_are_the_seed_s(node: RunningNode) -> None:
    seeds = examples()["webhooks"]
    receiver = Receiver()
    await receiver.start()
    try:
        subscription = {"url": receiver.url, "events": ["chargestation.update_configuration.*"]}
        ok_result(await node.api.post("/v1.1/webhooks", json=subscription, headers=node.auth()), 201)
        async with read_station(node, "edrv03") as (_, station_id):
            path = f"/v1.1/chargestations/{station_id}/configurations"
            accepted = ok_result(await node.api.post(path, json=examples()["request"], headers=node.auth()))
            await wait_action(node, accepted["_id"])
            # The seed's rejected example: BlinkRepeat, which its station does not support.
            async with node.sy.db.transaction() as session:
                session.add(ReportedSetting(station_id=station_id, name="BlinkRepeat", value="1", readonly=False))
            rejected = ok_result(
                await node.api.post(path, json={"key": "BlinkRepeat", "value": "3"}, headers=node.auth())
            )
            await wait_action(node, rejected["_id"])
            await receiver.wait_for(lambda r: len(r.delivered) >= 4)
    finally:
        await receiver.stop()
    envelopes = {request.json()["type"].rsplit(".", 1)[1]: request.json() for request in receiver.delivered}
    assert set(envelopes) == {"requested", "accepted", "rejected"}
    for suffix, seed in seeds.items():
        ours = envelopes[suffix]
        assert same_shape(ours, seed) == [], suffix
        assert ID.match(ours["_id"])
        assert TIMESTAMP.match(ours["createdAt"])
        assert ours["object"] == "action"
        assert ours["type"] == seed["type"]
        check_action(ours["data"], seed["data"])
    assert envelopes["accepted"]["data"]["response_data"] == seeds["accepted"]["data"]["response_data"]
    assert envelopes["rejected"]["data"]["data"] == seeds["rejected"]["data"]["data"]
    assert envelopes["rejected"]["data"]["response_data"] == seeds["rejected"]["data"]["response_data"]


async def test_the_details_list_is_the_seed_s(node: RunningNode) -> None:
    seed = examples()["details"]
    await baseline(node, enabled=True)
    async with read_station(node, "edrv03") as (_, station_id):
        response = await node.api.get(f"/v1.1/chargestations/{station_id}/configurations/details", headers=node.auth())
    ours = response.json()
    assert set(ours) == set(seed)
    assert ours["ok"] is True
    assert ours["message"] == seed["message"]
    seed_items = seed["result"]
    # The station reports the seed's keys in the seed's order, then the keys the seed's station lacks.
    assert [item["name"] for item in ours["result"][: len(seed_items)]] == [item["name"] for item in seed_items]
    for item, theirs in zip(ours["result"], seed_items, strict=False):
        name = item["name"]
        desired = (theirs.get("desiredValue"), item.get("desiredValue"))
        if name in DESIRED_DIFFERENT:
            assert desired == DESIRED_DIFFERENT[name], name
        else:
            assert desired[0] == desired[1], name
            assert same_shape(item, theirs) == [], name
            assert item["editable"] is theirs["editable"], name
        assert (theirs["category"], item["category"]) == CATEGORY_DIFFERENT.get(name, (item["category"],) * 2), name
        assert (theirs["value"], item["value"]) == VALUE_DIFFERENT.get(name, (item["value"],) * 2), name
        assert item["writable"] is theirs["writable"], name
        assert isinstance(item["description"], str)
        assert item["description"]
