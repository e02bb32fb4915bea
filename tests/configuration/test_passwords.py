"""A station's password changed through the configuration API: AuthorizationKey (1.6) and
SecurityCtrlr.BasicAuthPassword (2.0.1), over real sockets.

Accepted: only the new password opens a connection from then on (A01.FR.03). An answer that never
came: the station may hold either password, so both open a connection until it uses the new one.
"""

import json

from switchyard.sim.faults import parse_faults
from switchyard.sim.station import SimulatedStation
from tests.configuration.support import (
    boot_and_read,
    change,
    event_types,
    next_call,
    ok_result,
    read_station,
    wait_action,
)
from tests.support import PASSWORD_16, RunningNode, basic, boot, station, upgrade_status

NEW_KEY_16 = "00112233445566778899aabbccddeeff0011"  # 18 bytes, as hex
NEW_PASSWORD_201 = "a-new-basic-auth-password"


async def _status(node: RunningNode, identity: str, password: str, version: str = "1.6") -> int:
    subprotocol = "ocpp1.6" if version == "1.6" else "ocpp2.0.1"
    status, _ = await upgrade_status(f"{node.ws_url}/{identity}", basic(identity, password), [subprotocol])
    return status


async def _reconnect(node: RunningNode, station: SimulatedStation) -> None:
    """Start the station again and wait until the node has it connected (with the password it holds)."""
    await station.wait_for(lambda: station.identity not in node.sy.gateway.sessions)
    station.start()
    await station.wait_for(lambda: station.identity in node.sy.gateway.sessions)


async def test_an_accepted_authorization_key_replaces_the_old_one(node: RunningNode) -> None:
    async with read_station(node, "PW-A") as (station, station_id):
        old = station.spec.password
        assert old is not None
        requested = ok_result(await change(node, station_id, "AuthorizationKey", NEW_KEY_16))
        assert requested["data"] == {"key": "AuthorizationKey", "value": "***"}
        done = await wait_action(node, requested["_id"])
        assert (done["status"], done["response_data"]) == ("completed", {"status": "Accepted"})
        assert done["audit"]["valueBefore"] is None
        assert done["audit"]["valueAfter"] is None
        await station.stop()
        assert await _status(node, "PW-A", old) == 401
        await _reconnect(node, station)  # with the new key, which the station took


async def test_a_password_change_whose_answer_is_lost_does_not_lock_the_station_out(node: RunningNode) -> None:
    faults = parse_faults("lose=ChangeConfiguration")
    async with read_station(node, "PW-L", faults=faults) as (station, station_id):
        old = station.spec.password
        assert old is not None
        requested = ok_result(await change(node, station_id, "AuthorizationKey", NEW_KEY_16))
        done = await wait_action(node, requested["_id"])
        assert done["status"] == "failed"
        assert done["response_data"]["reason"].startswith("the station did not answer ChangeConfiguration")
        await station.stop()
        # Nobody knows which key the station holds: both open a connection...
        assert await _status(node, "PW-L", old) == 101
        # ...until it connects with the new one (it did take it), which settles it.
        await _reconnect(node, station)
        await station.stop()
        assert await _status(node, "PW-L", old) == 401
        assert await _status(node, "PW-L", NEW_KEY_16) == 101


async def test_an_accepted_basic_auth_password_replaces_the_old_one_on_201(node: RunningNode) -> None:
    async with read_station(node, "PW-201", version="2.0.1") as (station, station_id):
        old = station.spec.password
        assert old is not None
        requested = ok_result(await change(node, station_id, "SecurityCtrlr.BasicAuthPassword", NEW_PASSWORD_201))
        done = await wait_action(node, requested["_id"])
        assert (done["status"], done["response_data"]) == ("completed", {"status": "Accepted"})
        await station.stop()
        assert await _status(node, "PW-201", old, "2.0.1") == 401
        assert await _status(node, "PW-201", NEW_PASSWORD_201, "2.0.1") == 101


async def test_a_password_whose_answer_was_lost_survives_a_later_refused_change(node: RunningNode) -> None:
    """The station took K1 but its answer was lost; it then refuses K2. It holds K1, which must work."""
    k1, k2 = "11" * 16, "22" * 16
    created = await node.add_station("PW-2X", password=PASSWORD_16)
    async with station(node.ws_url, "PW-2X", PASSWORD_16) as ws:
        await boot_and_read(node, ws, created["_id"])
        first = ok_result(await change(node, created["_id"], "AuthorizationKey", k1))
        await next_call(ws, "ChangeConfiguration")  # taken, never answered
        assert (await wait_action(node, first["_id"]))["status"] == "failed"
        second = ok_result(await change(node, created["_id"], "AuthorizationKey", k2))
        refused = await next_call(ws, "ChangeConfiguration")
        await ws.send(json.dumps([3, refused[1], {"status": "Rejected"}]))
        assert (await wait_action(node, second["_id"]))["status"] == "rejected"
    assert await _status(node, "PW-2X", k2) == 401  # refused: never the station's
    assert await _status(node, "PW-2X", k1) == 101  # what the station holds
    assert await _status(node, "PW-2X", PASSWORD_16) == 401  # settled by that login


async def test_a_password_waiting_for_a_reboot_survives_a_login_with_an_older_pending_one(node: RunningNode) -> None:
    """K1's answer is lost (the station took it); K2 is answered RebootRequired. The station reconnects
    with K1 before it reboots, then reboots and uses K2: both logins must work."""
    k1, k2 = "11" * 16, "22" * 16
    created = await node.add_station("PW-RB", password=PASSWORD_16)
    async with station(node.ws_url, "PW-RB", PASSWORD_16) as ws:
        await boot_and_read(node, ws, created["_id"])
        first = ok_result(await change(node, created["_id"], "AuthorizationKey", k1))
        await next_call(ws, "ChangeConfiguration")  # taken, never answered
        assert (await wait_action(node, first["_id"]))["status"] == "failed"
        second = ok_result(await change(node, created["_id"], "AuthorizationKey", k2))
        sent = await next_call(ws, "ChangeConfiguration")
        await ws.send(json.dumps([3, sent[1], {"status": "RebootRequired"}]))
        await wait_action(node, second["_id"], phase="awaiting_reboot")
    assert await _status(node, "PW-RB", k1) == 101  # reconnects with K1 before the reboot
    async with station(node.ws_url, "PW-RB", k2) as ws:  # rebooted: K2 applies
        await boot(ws)
        confirmed = await wait_action(node, second["_id"], phase="done")
    assert confirmed["status"] == "completed"
    assert await _status(node, "PW-RB", k1) == 401
    assert await _status(node, "PW-RB", PASSWORD_16) == 401


async def test_a_password_that_did_not_take_at_the_reboot_fails_and_stops_working(node: RunningNode) -> None:
    new = "33" * 16
    created = await node.add_station("PW-NT", password=PASSWORD_16)
    async with station(node.ws_url, "PW-NT", PASSWORD_16) as ws:
        await boot_and_read(node, ws, created["_id"])
        requested = ok_result(await change(node, created["_id"], "AuthorizationKey", new))
        sent = await next_call(ws, "ChangeConfiguration")
        await ws.send(json.dumps([3, sent[1], {"status": "RebootRequired"}]))
        await wait_action(node, requested["_id"], phase="awaiting_reboot")
    async with station(node.ws_url, "PW-NT", PASSWORD_16) as ws:  # rebooted, still on the old key
        await boot(ws)
        done = await wait_action(node, requested["_id"], phase="done")
    assert done["status"] == "failed"
    assert done["response_data"]["reason"] == (
        "the station rebooted but still logs in with its old password; the new one did not take"
    )
    assert (await event_types(node, requested["_id"]))[-1:] == ["chargestation.update_configuration.failed"]
    assert await _status(node, "PW-NT", new) == 401
    assert await _status(node, "PW-NT", PASSWORD_16) == 101
