"""Where webhooks may go (SSRF): refused when a URL is given and again when connecting; the allow-list."""

import asyncio
import ipaddress
import re
from pathlib import Path

import pytest
from sqlalchemy import update

from switchyard.core.webhooks import targets as webhook_targets
from switchyard.core.webhooks.targets import (
    AddressRefused,
    HostUnresolved,
    TargetPolicy,
    UnusualAddress,
    kind_of,
    literal_address,
)
from switchyard.networks import parse_networks
from switchyard.settings import Settings
from switchyard.store.tables import WebhookSubscription
from tests.api.helpers import expect
from tests.support import RunningNode, running_node
from tests.webhooks.conftest import FAST, key_file
from tests.webhooks.helpers import FakeDns, dns_of, emit, first_attempt, operator_of, settled, subscribe
from tests.webhooks.receiver import Receiver

HOOKS = "/v1.1/webhooks"
HINT = "webhooks go only to public addresses, or to networks the node's operator allows"
PUBLIC = "93.184.215.14"


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("169.254.169.254", "a link-local address"),
        ("10.1.2.3", "a private address"),
        ("172.31.255.255", "a private address"),
        ("192.168.0.1", "a private address"),
        ("127.0.0.1", "a loopback address"),
        ("127.255.0.9", "a loopback address"),
        ("0.0.0.0", "an unspecified address"),  # noqa: S104  # an address checked, not bound
        ("100.64.0.1", "a shared (carrier-grade NAT) address"),
        ("224.0.0.251", "a multicast address"),
        ("255.255.255.255", "a reserved address"),
        ("198.18.0.1", "a reserved address"),
        ("192.0.2.1", "a documentation address"),
        ("::", "an unspecified address"),
        ("::1", "a loopback address"),
        ("fe80::1", "a link-local address"),
        ("fd12:3456::1", "a private address"),
        ("ff02::1", "a multicast address"),
        ("2001:db8::1", "a documentation address"),
        ("::ffff:127.0.0.1", "a loopback address"),  # IPv4-mapped
        ("::ffff:169.254.169.254", "a link-local address"),
        ("::ffff:0:a00:1", "a private address"),  # IPv4-translated
        ("::127.0.0.1", "a loopback address"),  # IPv4-compatible
        ("64:ff9b::a9fe:a9fe", "a link-local address"),  # NAT64 of 169.254.169.254
        ("2002:7f00:1::1", "a loopback address"),  # 6to4 of 127.0.0.1
        ("2002:c0a8:1::1", "a private address"),  # 6to4 of 192.168.0.1
        ("2001::1", "a reserved address"),  # Teredo
        ("8.8.8.8", None),
        (PUBLIC, None),
        ("2606:4700:4700::1111", None),
        ("::ffff:8.8.8.8", None),
        ("64:ff9b::808:808", None),
        ("2002:808:808::1", None),
    ],
)
def test_what_kind_of_address_is_refused(address: str, kind: str | None) -> None:
    assert kind_of(ipaddress.ip_address(address)) == kind


def test_the_allow_list_lets_its_networks_through_and_nothing_else() -> None:
    policy = TargetPolicy(parse_networks("10.0.0.0/8, 127.0.0.1/32"))
    assert policy.refusal(ipaddress.ip_address("10.200.0.1")) is None
    assert policy.refusal(ipaddress.ip_address("127.0.0.1")) is None
    assert policy.refusal(ipaddress.ip_address("::ffff:127.0.0.1")) is None  # the same host
    assert policy.refusal(ipaddress.ip_address("127.0.0.2")) == "a loopback address"
    assert policy.refusal(ipaddress.ip_address("192.168.1.1")) == "a private address"
    assert policy.refusal(ipaddress.ip_address("::1")) == "a loopback address"
    assert TargetPolicy().refusal(ipaddress.ip_address("10.200.0.1")) == "a private address"


@pytest.mark.parametrize(
    "host", ["2130706433", "0x7f000001", "127.1", "0x7f.1", "0177.0.0.1", "1.2.3", "0", "127.0.0.1."]
)
def test_unusual_ipv4_forms_are_refused_not_guessed(host: str) -> None:
    with pytest.raises(UnusualAddress, match="unusual form; write it as four decimal numbers"):
        literal_address(host)


def test_literals_and_names() -> None:
    assert literal_address("8.8.8.8") == ipaddress.ip_address("8.8.8.8")
    assert literal_address("[::1]") == ipaddress.ip_address("::1")
    assert literal_address("example.com") is None
    assert literal_address("1e100.net") is None
    with pytest.raises(UnusualAddress, match="zone"):
        literal_address("fe80::1%25eth0")


def test_the_allow_list_setting() -> None:
    settings = Settings(webhook_allowed_networks="10.0.0.0/8,127.0.0.1/32, ::1/128")
    assert [str(n) for n in settings.webhook_allowed_networks] == ["10.0.0.0/8", "127.0.0.1/32", "::1/128"]
    assert Settings().webhook_allowed_networks == ()
    assert Settings(webhook_allowed_networks="").webhook_allowed_networks == ()
    with pytest.raises(ValueError, match=re.escape("'10.0.0.1/8' is not a network in CIDR form like 10.0.0.0/8")):
        Settings(webhook_allowed_networks="10.0.0.1/8")
    with pytest.raises(ValueError, match="'intranet' is not a network in CIDR form"):
        Settings(webhook_allowed_networks="intranet")


def test_the_allow_list_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWITCHYARD_WEBHOOK_ALLOWED_NETWORKS", "192.168.10.0/24,fd00::/8")
    assert [str(n) for n in Settings().webhook_allowed_networks] == ["192.168.10.0/24", "fd00::/8"]


async def test_connecting_checks_every_address_of_a_name() -> None:
    dns = FakeDns({"mixed.test": [PUBLIC, "10.0.0.1"], "public.test": [PUBLIC, "8.8.8.8"], "empty.test": []})
    policy = TargetPolicy(resolver=dns)
    with pytest.raises(AddressRefused, match=r"^refused: the host resolves to a private address \(not allowed\)$"):
        await policy.connect_addresses("mixed.test", 443)
    assert [str(a) for a in await policy.connect_addresses("public.test", 443)] == [PUBLIC, "8.8.8.8"]
    with pytest.raises(AddressRefused, match=r"^refused: the host is a localhost name \(not allowed\)$"):
        await policy.connect_addresses("api.localhost", 443)
    with pytest.raises(AddressRefused, match="unusual form"):
        await policy.connect_addresses("2130706433", 443)
    for name in ("nowhere.test", "empty.test"):
        with pytest.raises(HostUnresolved):
            await policy.connect_addresses(name, 443)
    assert "api.localhost" not in dns.asked, "localhost is refused by name, whatever DNS says"


async def test_the_system_resolver_reads_the_hosts_file() -> None:
    assert ipaddress.ip_address("127.0.0.1") in await webhook_targets.resolve_system("localhost", 80)


# -- when a URL is given -------------------------------------------------------------------------

REFUSED_URLS = [
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
    ("http://10.1.2.3:8080/in", "10.1.2.3 is a private address"),
    ("https://192.168.1.1/", "192.168.1.1 is a private address"),
    ("http://127.0.0.1:8000/v1.1/operators", "127.0.0.1 is a loopback address"),
    ("http://[::1]:8000/", "::1 is a loopback address"),
    ("http://[::ffff:127.0.0.1]:8000/", "::ffff:127.0.0.1 is a loopback address"),
    ("http://[::ffff:a9fe:a9fe]/", "::ffff:a9fe:a9fe is a link-local address"),
    ("http://0.0.0.0:8000/", "0.0.0.0 is an unspecified address"),
    ("http://100.64.0.1/", "100.64.0.1 is a shared (carrier-grade NAT) address"),
    ("http://[fe80::1]/", "fe80::1 is a link-local address"),
    ("http://[64:ff9b::7f00:1]/", "64:ff9b::7f00:1 is a loopback address"),
    ("http://[2002:a00:1::]/", "2002:a00:1:: is a private address"),
    ("http://224.0.0.1/", "224.0.0.1 is a multicast address"),
    ("http://localhost:8000/", "localhost names this server"),
    ("http://LOCALHOST./", "localhost. names this server"),
    ("http://api.localhost/", "api.localhost names this server"),
    ("http://internal.test/", "internal.test resolves to a private address"),
    ("http://half.test/", "half.test resolves to a loopback address"),
]
UNUSUAL = "is an IPv4 address in an unusual form; write it as four decimal numbers, like 8.8.8.8"


def _refusal(message: str) -> str:
    return f"url: {message}; {HINT}" + (", by address" if message.endswith("names this server") else "")


@pytest.mark.parametrize(("url", "message"), REFUSED_URLS, ids=[u for u, _ in REFUSED_URLS])
async def test_a_url_into_a_private_network_is_refused_at_creation_and_on_change(
    strict_node: RunningNode, url: str, message: str
) -> None:
    """Regression: check_url accepted all of these, so a tenant could make the node POST to its own
    network (cloud metadata, the node's own API) and read the answers in the delivery log."""
    dns = dns_of(strict_node)
    dns.names.update({"internal.test": ["10.9.8.7"], "half.test": [PUBLIC, "127.0.0.1"]})
    api, auth = strict_node.api, strict_node.auth()
    expect(await api.post(HOOKS, json={"url": url}, headers=auth), 400, _refusal(message))
    hook = await subscribe(strict_node, "https://hooks.example.com/in")
    patched = await api.patch(f"{HOOKS}/{hook['_id']}", json={"url": url}, headers=auth)
    expect(patched, 400, _refusal(message))
    assert expect(await api.get(f"{HOOKS}/{hook['_id']}", headers=auth), 200)["url"] == "https://hooks.example.com/in"


@pytest.mark.parametrize("host", ["2130706433", "0x7f000001", "127.1", "0x7f.1"])
async def test_an_ipv4_address_in_an_unusual_form_is_refused(strict_node: RunningNode, host: str) -> None:
    """Regression: `http://2130706433/` and the like were accepted, and the resolver reads them as 127.0.0.1."""
    response = await strict_node.api.post(HOOKS, json={"url": f"http://{host}:8000/"}, headers=strict_node.auth())
    expect(response, 400, f"url: {host!r} {UNUSUAL}")


async def test_names_that_resolve_to_public_addresses_or_not_at_all_are_accepted(strict_node: RunningNode) -> None:
    dns = dns_of(strict_node)
    dns.names["erp.test"] = [PUBLIC, "2606:4700:4700::1111"]
    for url in ("https://erp.test/in", "https://unknown.test/in", f"http://{PUBLIC}:8080/in", "http://[2606:4700::1]/"):
        assert (await subscribe(strict_node, url))["url"] == url
    assert dns.asked == ["erp.test", "unknown.test"], "literals are not resolved"


async def test_a_name_that_does_not_resolve_in_time_is_accepted(
    strict_node: RunningNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Creation does not wait on a slow resolver; the check when connecting still guards."""
    monkeypatch.setattr(webhook_targets, "RESOLVE_TIMEOUT", 0.05)
    dns = dns_of(strict_node)
    dns.names["slow.test"] = ["10.0.0.1"]
    dns.hold = asyncio.Event()
    try:
        assert (await subscribe(strict_node, "https://slow.test/in"))["url"] == "https://slow.test/in"
    finally:
        dns.hold.set()


async def test_the_allow_list_admits_its_networks(tmp_path: Path) -> None:
    settings = {**FAST, **key_file(tmp_path), "webhook_allowed_networks": "10.0.0.0/8"}
    async with running_node(tmp_path, **settings) as node:
        node.sy.webhooks.targets.resolver = FakeDns({"intranet.test": ["10.20.30.40"]})
        for url in ("http://10.1.2.3:8080/in", "https://intranet.test/in"):
            assert (await subscribe(node, url))["url"] == url
        expect(
            await node.api.post(HOOKS, json={"url": "http://192.168.1.1/"}, headers=node.auth()),
            400,
            f"url: 192.168.1.1 is a private address; {HINT}",
        )


# -- when connecting -----------------------------------------------------------------------------


async def _last_error(node: RunningNode, event_id: str) -> str:
    """The error of the event's first attempt, which did not get an answer."""
    attempt = await first_attempt(node, event_id)
    assert attempt["statusCode"] is None
    error: str = attempt["error"]
    return error


async def test_a_stored_url_into_a_private_network_is_not_contacted(
    strict_node: RunningNode, receiver: Receiver
) -> None:
    """Regression: a URL stored before the check existed (or by hand) was delivered to as it stood.
    Connecting checks the address again, and the attempt says why it stopped."""
    hook = await subscribe(strict_node, f"http://{PUBLIC}:9/hook")
    async with strict_node.sy.db.transaction() as session:
        await session.execute(
            update(WebhookSubscription).where(WebhookSubscription.id == hook["_id"]).values(url=receiver.url)
        )
    event_id = await emit(strict_node, await operator_of(strict_node))
    assert await _last_error(strict_node, event_id) == "refused: the host resolves to a loopback address (not allowed)"
    assert receiver.requests == []


async def test_a_name_that_rebinds_to_a_private_address_is_not_contacted(
    strict_node: RunningNode, receiver: Receiver
) -> None:
    """Regression (DNS rebinding): a name that was public when subscribed and resolves to loopback when
    delivering must not be connected to."""
    dns = dns_of(strict_node)
    dns.names["rebind.test"] = [PUBLIC]
    await subscribe(strict_node, f"http://rebind.test:{receiver.port}/hook")
    dns.names["rebind.test"] = ["127.0.0.1"]
    event_id = await emit(strict_node, await operator_of(strict_node))
    assert await _last_error(strict_node, event_id) == "refused: the host resolves to a loopback address (not allowed)"
    assert receiver.requests == []


async def test_a_name_is_resolved_once_and_its_checked_address_connected_to(
    node: RunningNode, receiver: Receiver
) -> None:
    """`hooks.test` resolves only through the policy's resolver (the system's cannot: .test is reserved),
    so the request arriving shows the connection went to the address the policy checked."""
    dns = dns_of(node)
    dns.names["hooks.test"] = ["127.0.0.1"]
    await subscribe(node, f"http://hooks.test:{receiver.port}/hook")
    event_id = await emit(node, await operator_of(node))
    await settled(node, event_id)
    (got,) = receiver.requests
    assert got.headers["host"] == f"hooks.test:{receiver.port}"
    assert dns.asked == ["hooks.test", "hooks.test"], "once when subscribed, once when connecting"


async def test_a_name_that_does_not_resolve_when_delivering_says_so(node: RunningNode) -> None:
    await subscribe(node, "http://gone.test:9/hook")
    event_id = await emit(node, await operator_of(node))
    assert await _last_error(node, event_id) == "connect failed: the host name did not resolve"


async def test_a_redirect_is_not_followed(node: RunningNode, receiver: Receiver) -> None:
    """A receiver cannot send the node on to an address of its choosing: a 3xx is a failed attempt."""
    inside = Receiver()
    await inside.start()
    try:
        receiver.status = 302
        receiver.answer_headers = {"location": f"{inside.url}/stolen"}
        await subscribe(node, receiver.url)
        event_id = await emit(node, await operator_of(node))
        await receiver.wait_for(lambda r: len(r.requests) >= 2)
        attempt = await first_attempt(node, event_id)
        assert attempt["statusCode"] == 302
        assert attempt["error"] == "HTTP 302 Found (redirects are not followed)"
        assert inside.requests == []
    finally:
        await inside.stop()


@pytest.mark.parametrize(
    ("status", "reason"),
    [(500, "HTTP 500 Internal Server Error"), (404, "HTTP 404 Not Found"), (599, "HTTP 599")],
)
async def test_the_tenant_sees_the_status_and_a_fixed_reason_never_the_body(
    node: RunningNode, receiver: Receiver, status: int, reason: str
) -> None:
    """Regression: the first 200 bytes of a refusing receiver's answer were shown in the delivery log,
    so a subscription to an internal service read its answers."""
    receiver.status = status
    receiver.answer_body = b'{"admin_key": "sy_live_0123456789"}'
    await subscribe(node, receiver.url)
    event_id = await emit(node, await operator_of(node))
    attempt = await first_attempt(node, event_id)
    assert (attempt["statusCode"], attempt["error"]) == (status, reason)
    response = await node.api.get(f"{HOOKS}/events/{event_id}", headers=node.auth())
    assert "sy_live" not in response.text
    assert "admin_key" not in response.text
