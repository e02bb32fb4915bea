"""Failed station logins cost time: per identity and per source address, a growing delay; a correct
password still gets in once the delay has passed, and the operator hears about it."""

import asyncio
import base64
import json

from sqlalchemy import select

from switchyard.gateway.admission import IDENTITY_RULES
from switchyard.gateway.throttle import FailureThrottle, ThrottleRules, identity_key, source_key
from switchyard.store.tables import SecurityEventRow, WebhookEvent
from tests.support import PASSWORD_16, RunningNode, basic, boot, station, upgrade_status

WRONG = {"Authorization": "Basic " + base64.b64encode(b"LOCK-1:" + b"f" * 32).decode()}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_failures_are_free_then_each_one_doubles_the_wait() -> None:
    clock = FakeClock()
    throttle = FailureThrottle(ThrottleRules(free_failures=2, base_delay=1.0, max_delay=4.0), clock)
    assert throttle.failed("k") == []
    assert throttle.failed("k") == []
    assert throttle.wait("k") == 0.0
    [trip] = throttle.failed("k")  # the first failure past the free ones is reported, once
    assert (trip.key, trip.failures, trip.retry_after) == ("k", 3, 1.0)
    assert throttle.wait("k") == 1.0
    assert throttle.failed("k") == []
    assert throttle.wait("k") == 2.0
    throttle.failed("k")
    throttle.failed("k")
    assert throttle.wait("k") == 4.0, "capped"
    clock.now += 4.0
    assert throttle.wait("k") == 0.0
    throttle.succeeded("k")
    assert not throttle.failing("k")


def test_keys_are_forgotten_after_a_quiet_spell_and_the_table_is_bounded() -> None:
    clock = FakeClock()
    throttle = FailureThrottle(ThrottleRules(free_failures=0, forget_after=10.0, max_keys=3), clock)
    throttle.failed("a")
    clock.now += 11
    assert throttle.wait("a") == 0.0
    assert not throttle.failing("a")
    for key in "bcde":
        throttle.failed(key)
    assert not throttle.failing("b"), "the least recently failed key went first"
    assert all(throttle.failing(key) for key in "cde")


def test_ipv6_sources_count_by_their_64() -> None:
    assert source_key("2001:db8:1:2::5") == source_key("2001:db8:1:2:ffff::1")
    assert source_key("2001:db8:1:3::5") != source_key("2001:db8:1:2::5")
    assert source_key("::ffff:192.0.2.7") == source_key("192.0.2.7")
    assert source_key(None) is None


async def test_wrong_passwords_make_the_station_wait_and_the_right_one_gets_in_after(node: RunningNode) -> None:
    """Regression: nothing throttled failed logins (a client tried 622 wrong passwords per second)."""
    clock = FakeClock()
    admission = node.sy.gateway._admission
    admission.identities._clock = clock
    admission.sources._clock = clock
    created = await node.add_station("LOCK-1", password=PASSWORD_16)
    url = f"{node.ws_url}/LOCK-1"
    for _ in range(5):
        assert (await upgrade_status(url, WRONG))[0] == 401
    assert (await upgrade_status(url, WRONG))[0] == 401  # the sixth trips the identity's budget
    status, body = await upgrade_status(url, basic("LOCK-1", PASSWORD_16))
    assert status == 429, "even the right password waits its turn: its credentials are not looked at"
    assert "try again in 1 s" in body
    clock.now += 1.0
    async with station(node.ws_url, "LOCK-1", PASSWORD_16) as ws:
        assert (await boot(ws))["status"] == "Accepted"
    assert not admission.identities.failing(identity_key("LOCK-1")), "a login clears the identity's record"

    await node.sy.security_alerts.drain()
    async with node.sy.db.sessions() as session:
        [event] = (await session.scalars(select(SecurityEventRow))).all()
        [webhook] = (
            await session.scalars(select(WebhookEvent).where(WebhookEvent.type == "chargestation.logins_throttled"))
        ).all()
    assert event.station_id == created["_id"]
    assert event.type == "FailedToAuthenticateAtCsms"
    assert "refused 6 logins" in (event.tech_info or "")
    data = json.loads(webhook.payload)["data"]
    assert (data["chargestation"], data["by"], data["failures"]) == (created["_id"], "identity", 6)


async def test_a_throttled_address_still_lets_a_station_with_a_clean_record_in(node: RunningNode) -> None:
    """One NAT address may front a whole site: a misbehaving station there must not lock out the rest."""
    clock = FakeClock()
    admission = node.sy.gateway._admission
    admission.sources._clock = clock
    await node.add_station("GOOD-1", password=PASSWORD_16)
    for n in range(21):  # unknown identities from this address: probing
        assert (await upgrade_status(f"{node.ws_url}/NOBODY-{n}", {}))[0] == 404
    assert admission.sources.wait(source_key("127.0.0.1")) > 0
    assert (await upgrade_status(f"{node.ws_url}/NOBODY-x", {}))[0] == 429, "probing waits"
    async with station(node.ws_url, "GOOD-1", PASSWORD_16) as ws:
        assert (await boot(ws))["status"] == "Accepted"


async def test_parallel_guesses_cannot_outrun_the_delay(node: RunningNode) -> None:
    clock = FakeClock()
    admission = node.sy.gateway._admission
    admission.identities._clock = clock
    admission.sources._clock = clock
    await node.add_station("LOCK-1", password=PASSWORD_16)
    url = f"{node.ws_url}/LOCK-1"
    statuses = await asyncio.gather(*(upgrade_status(url, WRONG) for _ in range(40)))
    codes = [status for status, _ in statuses]
    # One login of a station is checked at a time, and each failure counts before the next is checked:
    # at most the free failures and the one that trips the budget are looked at; the rest wait.
    assert codes.count(401) <= IDENTITY_RULES.free_failures + 1
    assert codes.count(401) + codes.count(429) == 40
    assert admission.identities.failing(identity_key("LOCK-1"))
