"""Requests refused before anything is stored or sent: each check, bad bodies, the pinned key, reset guards."""

from typing import Any

import pytest

from tests.api.helpers import create_key
from tests.configuration.support import actions_of, baseline, ok_result, read_station, wait_action
from tests.support import RunningNode

BAD_CHANGES = [
    # (body, status, message)
    ({"key": "HeartbeatIntervall", "value": "600"}, 400, "HeartbeatIntervall is not among the"),
    ({"key": "NumberOfConnectors", "value": "2"}, 400, "NumberOfConnectors is read-only on CFG-CHK"),
    ({"key": "HeartbeatInterval", "value": "soon"}, 400, "HeartbeatInterval must be an integer; got 'soon'"),
    ({"key": "LightIntensity", "value": "101"}, 400, "LightIntensity must be between 0 and 100; got 101"),
    ({"key": "K" * 51, "value": "1"}, 400, "key is 51 characters; OCPP 1.6 keys are at most 50"),
    ({"key": "Identity", "value": "x" * 501}, 400, "value is 501 characters; OCPP 1.6 values are at most 500"),
    (
        {"key": "NetworkConnectionProfile2", "value": "ws://new.example/ocpp "},
        400,
        "NetworkConnectionProfile2 must not contain whitespace, quotes or invisible characters",
    ),
    ({"key": "HeartbeatInterval", "value": "+7"}, 400, "HeartbeatInterval must be an integer; got '+7'"),
    ({"key": "HeartbeatInterval", "value": "1_000"}, 400, "HeartbeatInterval must be an integer; got '1_000'"),
    (
        {"key": "HeartbeatInterval", "value": "99999999999"},
        400,
        "HeartbeatInterval must fit a 32-bit integer (-2147483648 to 2147483647); got '99999999999'",
    ),
    # Python's JSON parser takes NaN; a client's may send it. (A str body is sent as it is.)
    ('{"key": "HeartbeatInterval", "value": NaN}', 400, "value must be a finite number; got nan"),
    (
        {"key": "MeterValuesSampledData", "value": ["Energy.Active.Import.Register,Voltage"]},
        400,
        "value: list items must not contain commas; got 'Energy.Active.Import.Register,Voltage'",
    ),
    (
        {"key": "NetworkConnectionProfile2", "value": "ws://new.exa\u200bmple/ocpp"},
        400,
        "NetworkConnectionProfile2 must not contain whitespace, quotes or invisible characters",
    ),
    ({"key": "LightIntensity", "value": None}, 400, "value must be a string (or a number, boolean or list"),
    ({"key": "LightIntensity"}, 422, "value: required"),
    ({"value": "1"}, 422, "key: required"),
    ({"key": "LightIntensity", "value": "1", "colour": "red"}, 422, "colour: unknown field"),
    ([], 400, "no change given"),
    (
        [{"key": "LightIntensity", "value": "50"}, {"key": "NumberOfConnectors", "value": "2"}],
        400,
        "change 2: NumberOfConnectors is read-only",
    ),
]


@pytest.mark.parametrize(("body", "status", "message"), BAD_CHANGES, ids=[m for _, _, m in BAD_CHANGES])
async def test_a_refused_change_stores_and_sends_nothing(
    node: RunningNode, body: Any, status: int, message: str
) -> None:
    async with read_station(node, "CFG-CHK") as (station, station_id):
        before_actions = await actions_of(node, station_id)
        before_received = len(station.received)
        path = f"/v1.1/chargestations/{station_id}/configurations"
        if isinstance(body, str):
            headers = {**node.auth(), "Content-Type": "application/json"}
            response = await node.api.post(path, content=body, headers=headers)
        else:
            response = await node.api.post(path, json=body, headers=node.auth())
        assert response.status_code == status, response.text
        assert response.json()["ok"] is False
        assert message in response.json()["message"]
        assert await actions_of(node, station_id) == before_actions
        assert len(station.received) == before_received


BAD_BODIES = [
    # (body, status, the whole message): the field the problem is in, in the client's words.
    (5, 422, "body: must be a change {key, value} or a list of changes"),
    ({"key": 5, "value": "1"}, 422, "key: Input should be a valid string"),
    (
        {"key": "Identity", "value": "a\u0000b"},
        422,
        "value: must not contain control characters; found U+0000 at character 2",
    ),
    (
        {"key": "LightIntensity", "value": "1", "reason": "night\u0007"},
        422,
        "reason: must not contain control characters; found U+0007 at character 6",
    ),
    (
        [{"key": "LightIntensity", "value": "1"}, {"key": "LightIntensity"}],
        422,
        "change 2: value: required",
    ),
    (
        [{"key": "LightIntensity", "value": "1"}, "LightIntensity"],
        422,
        "change 2: Input should be a valid dictionary or object to extract fields from",
    ),
    (
        {"key": "LightIntensity", "value": "1", "attributeType": "Maximum"},
        422,
        "attributeType: Input should be 'Actual', 'Target', 'MinSet' or 'MaxSet'",
    ),
]


@pytest.mark.parametrize(("body", "status", "message"), BAD_BODIES, ids=[m for _, _, m in BAD_BODIES])
async def test_bad_bodies_name_the_field_in_the_client_s_words(
    node: RunningNode, body: Any, status: int, message: str
) -> None:
    created = await node.add_station("CFG-BODY")
    path = f"/v1.1/chargestations/{created['_id']}/configurations"
    response = await node.api.post(path, json=body, headers=node.auth())
    assert (response.status_code, response.json()["message"]) == (status, message)
    as_text = await node.api.post(
        path, content='{"key": "LightIntensity", "value": "1"}', headers={**node.auth(), "Content-Type": "text/plain"}
    )
    assert as_text.status_code == 415
    assert as_text.json()["message"] == "send the request body as JSON, with 'Content-Type: application/json'"


async def test_the_key_is_stored_as_the_station_knows_it(node: RunningNode) -> None:
    async with read_station(node, "CFG-TRIM") as (_, station_id):
        response = await node.api.post(
            f"/v1.1/chargestations/{station_id}/configurations",
            json={"key": " LightIntensity ", "value": "40"},
            headers=node.auth(),
        )
        assert ok_result(response)["data"] == {"key": "LightIntensity", "value": "40"}


async def test_a_pinned_key_is_refused_while_the_baseline_is_on(node: RunningNode) -> None:
    async with read_station(node, "CFG-PIN") as (station, station_id):
        await baseline(node, enabled=True)
        path = f"/v1.1/chargestations/{station_id}/configurations"
        refused = await node.api.post(path, json={"key": "HeartbeatInterval", "value": "901"}, headers=node.auth())
        assert refused.status_code == 409
        assert refused.json()["message"].startswith(
            "HeartbeatInterval is pinned to 900 by the recommended baseline (eDRV)"
        )
        details = ok_result(await node.api.get(f"{path}/details", headers=node.auth()))
        heartbeat = next(d for d in details if d["name"] == "HeartbeatInterval")
        assert heartbeat["desiredValue"] == 900
        assert heartbeat["editable"] is False
        # Setting the desired value itself enforces the pin: allowed.
        enforced = ok_result(
            await node.api.post(path, json={"key": "HeartbeatInterval", "value": 900}, headers=node.auth())
        )
        assert (await wait_action(node, enforced["_id"]))["status"] == "completed"
        assert station.value("HeartbeatInterval") == "900"
        # Turned off: nothing is pinned.
        await baseline(node, enabled=False)
        allowed = ok_result(
            await node.api.post(path, json={"key": "HeartbeatInterval", "value": "901"}, headers=node.auth())
        )
        assert (await wait_action(node, allowed["_id"]))["status"] == "completed"


async def test_a_reset_is_refused_during_a_transaction_unless_forced(node: RunningNode) -> None:
    async with read_station(node, "CFG-TX") as (station, station_id):
        await station.start_transaction()
        path = f"/v1.1/chargestations/{station_id}/reset"
        refused = await node.api.post(path, json={"type": "Soft"}, headers=node.auth())
        assert refused.status_code == 409
        assert "has a transaction running" in refused.json()["message"]
        assert '"force": true' in refused.json()["message"]
        assert "Reset" not in station.received_actions()
        forced = ok_result(await node.api.post(path, json={"type": "Soft", "force": True}, headers=node.auth()))
        done = await wait_action(node, forced["_id"])
        assert done["status"] == "completed"
        assert done["response_data"] == {"status": "Accepted"}
        await station.wait_for(lambda: len(station.boots) == 2)


async def test_bad_reset_bodies_are_refused(node: RunningNode) -> None:
    async with read_station(node, "CFG-RB") as (_, station_id):
        path = f"/v1.1/chargestations/{station_id}/reset"
        response = await node.api.post(path, json={"type": "Reboot"}, headers=node.auth())
        assert response.status_code == 422
        assert response.json()["message"].startswith("type: Input should be 'Hard', 'Soft', 'Immediate' or 'OnIdle'")
        # "yes" is not true: a forced reset stops a running transaction, so only a JSON true forces one.
        response = await node.api.post(path, json={"type": "Soft", "force": "yes"}, headers=node.auth())
        assert response.status_code == 422
        assert response.json()["message"] == "force: Input should be a valid boolean"
        assert await actions_of(node, station_id, type="chargestation.reset") == []


async def test_paging_beyond_any_list_is_refused_not_a_server_error(node: RunningNode) -> None:
    for path in ("/v1.1/actions", "/v1.1/webhooks/events", "/v1.1/chargestations"):
        response = await node.api.get(path, params={"offset": 2**63}, headers=node.auth())
        assert response.status_code == 422, path
        assert response.json()["message"] == "offset: Input should be less than or equal to 1000000000"
    # NUL is an error in PostgreSQL text: refused in any query or path parameter before it gets there.
    for path, params in (
        ("/v1.1/webhooks/events", {"station": "a\u0000b"}),
        ("/v1.1/chargestations", {"identity": "a\u0000b"}),
    ):
        response = await node.api.get(path, params=params, headers=node.auth())
        assert response.status_code == 422
        name = next(iter(params))
        assert response.json()["message"] == f"{name}: must not contain control characters; found U+0000 at character 2"
    response = await node.api.get("/v1.1/actions/ab%00cd", headers=node.auth())
    assert response.status_code == 422
    assert response.json()["message"] == "action_id: must not contain control characters; found U+0000 at character 3"


async def test_a_read_only_key_may_read_but_not_change(node: RunningNode) -> None:
    async with read_station(node, "CFG-RO") as (_, station_id):
        read_key = (await create_key(node, node.admin_key, "read"))["key"]
        headers = node.auth(read_key)
        path = f"/v1.1/chargestations/{station_id}/configurations"
        denied = await node.api.post(path, json={"key": "LightIntensity", "value": "5"}, headers=headers)
        assert denied.status_code == 403
        assert denied.json()["message"] == "this API key has scope 'read'; 'write' is required"
        read = ok_result(await node.api.get(path, headers=headers))
        assert (await wait_action(node, read["_id"]))["status"] == "completed"
        assert ok_result(await node.api.get(f"{path}/details", headers=headers))


async def test_unknown_stations_actions_and_filters_are_named(node: RunningNode) -> None:
    missing = "0" * 24
    response = await node.api.get(f"/v1.1/chargestations/{missing}/configurations/details", headers=node.auth())
    assert response.status_code == 404
    assert response.json()["message"] == f"charge station {missing} not found"
    response = await node.api.get("/v1.1/actions/not-an-id", headers=node.auth())
    assert response.status_code == 404
    assert response.json()["message"] == "action not-an-id not found"
    async with read_station(node, "CFG-F") as (_, station_id):
        response = await node.api.get(
            f"/v1.1/chargestations/{station_id}/actions", params={"status": "done"}, headers=node.auth()
        )
        assert response.status_code == 422
        assert response.json()["message"].startswith("status: Input should be 'requested', 'completed'")


def test_the_api_filters_name_every_status_and_type() -> None:
    from typing import get_args

    from switchyard.api.routes.configurations import ActionKind, ActionStatus
    from switchyard.core.actions import ActionType, Status

    assert get_args(ActionStatus) == tuple(status.value for status in Status)
    assert get_args(ActionKind) == tuple(kind.value for kind in ActionType)


async def test_details_before_any_read_say_so(node: RunningNode) -> None:
    created = await node.add_station("CFG-NEVER")
    response = await node.api.get(f"/v1.1/chargestations/{created['_id']}/configurations/details", headers=node.auth())
    assert response.status_code == 404
    assert "has not been read yet" in response.json()["message"]
    change = await node.api.post(
        f"/v1.1/chargestations/{created['_id']}/configurations",
        json={"key": "LightIntensity", "value": "5"},
        headers=node.auth(),
    )
    assert change.status_code == 409
    assert "has not been read yet" in change.json()["message"]
