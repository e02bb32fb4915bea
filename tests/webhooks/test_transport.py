"""The webhook transport: httpcore connects through the policy's checked addresses, TLS still checks the name.

These tests lean on how httpcore calls its network backend (`connect_tcp` with the URL's host, then
`start_tls` with the host name); if a new httpx or httpcore changes that, they fail.
"""

import ipaddress
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
import pytest
import trustme

from switchyard.core.webhooks import sender as webhook_sender
from switchyard.core.webhooks.targets import TargetPolicy
from switchyard.core.webhooks.transport import CheckedTransport
from tests.webhooks.helpers import FakeDns
from tests.webhooks.receiver import Receiver

LOOPBACK = (ipaddress.ip_network("127.0.0.1/32"),)
KEY = b"k" * 32


@dataclass
class TlsReceiver:
    receiver: Receiver
    ca: trustme.CA
    # The server names the clients asked for (SNI), in order.
    names: list[str | None] = field(default_factory=list)


async def _tls_receiver(certified_for: str) -> TlsReceiver:
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(certified_for).configure_cert(context)
    served = TlsReceiver(Receiver(tls=context), ca)

    def note(_: ssl.SSLObject, name: str | None, __: ssl.SSLContext) -> None:
        served.names.append(name)

    context.sni_callback = note
    await served.receiver.start()
    return served


@pytest.fixture
async def hooks_test() -> AsyncIterator[TlsReceiver]:
    served = await _tls_receiver("hooks.test")
    try:
        yield served
    finally:
        await served.receiver.stop()


def _client(policy: TargetPolicy, ca: trustme.CA | None = None) -> httpx.AsyncClient:
    context = ssl.create_default_context()
    if ca is not None:
        ca.configure_trust(context)
    transport = CheckedTransport(policy, max_connections=4, ssl_context=context)
    return httpx.AsyncClient(transport=transport, timeout=5, follow_redirects=False)


async def _attempt(client: httpx.AsyncClient, url: str) -> webhook_sender.Outcome:
    return await webhook_sender.attempt(client, url, KEY, "msg_1", b"{}", datetime.now(UTC), 5.0)


async def test_tls_uses_the_host_name_for_sni_and_verification(hooks_test: TlsReceiver) -> None:
    """The connection goes to the checked IP, but TLS is started for `hooks.test`: the certificate
    (valid for that name only, not for 127.0.0.1) verifies, and the server is asked for that name."""
    dns = FakeDns({"hooks.test": ["127.0.0.1"]})
    async with _client(TargetPolicy(LOOPBACK, dns), hooks_test.ca) as client:
        outcome = await _attempt(client, f"https://hooks.test:{hooks_test.receiver.port}/hook")
    assert (outcome.status_code, outcome.error) == (200, None)
    assert hooks_test.names == ["hooks.test"]
    assert dns.asked == ["hooks.test"]
    (got,) = hooks_test.receiver.requests
    assert got.headers["host"] == f"hooks.test:{hooks_test.receiver.port}"


async def test_a_certificate_for_another_name_fails_tls(hooks_test: TlsReceiver) -> None:
    dns = FakeDns({"other.test": ["127.0.0.1"]})
    async with _client(TargetPolicy(LOOPBACK, dns), hooks_test.ca) as client:
        outcome = await _attempt(client, f"https://other.test:{hooks_test.receiver.port}/hook")
    assert (outcome.status_code, outcome.error) == (None, "TLS failed: the receiver's certificate was not accepted")
    assert hooks_test.receiver.requests == []


async def test_an_untrusted_certificate_fails_tls(hooks_test: TlsReceiver) -> None:
    dns = FakeDns({"hooks.test": ["127.0.0.1"]})
    async with _client(TargetPolicy(LOOPBACK, dns)) as client:
        outcome = await _attempt(client, f"https://hooks.test:{hooks_test.receiver.port}/hook")
    assert outcome.error == "TLS failed: the receiver's certificate was not accepted"


async def test_a_refused_address_ends_the_attempt_before_connecting(receiver: Receiver) -> None:
    dns = FakeDns({"inside.test": ["127.0.0.1"]})
    async with _client(TargetPolicy((), dns)) as client:
        for url in (receiver.url, f"http://inside.test:{receiver.port}/hook", f"http://[::1]:{receiver.port}/"):
            outcome = await _attempt(client, url)
            assert outcome.status_code is None
            assert outcome.error == "refused: the host resolves to a loopback address (not allowed)"
    assert receiver.requests == []


async def test_the_next_checked_address_is_tried_when_one_refuses(receiver: Receiver) -> None:
    """A name with several addresses: each is allowed, and a dead one does not end the attempt."""
    dns = FakeDns({"two.test": ["127.0.0.2", "127.0.0.1"]})
    policy = TargetPolicy((ipaddress.ip_network("127.0.0.0/8"),), dns)
    async with _client(policy) as client:
        outcome = await _attempt(client, f"http://two.test:{receiver.port}/hook")
    assert (outcome.status_code, outcome.error) == (200, None)


async def test_httpx_errors_come_through_as_httpx_errors(receiver: Receiver) -> None:
    """The transport turns httpcore's errors into httpx's, as httpx's own transport does."""
    await receiver.stop()
    async with _client(TargetPolicy(LOOPBACK, FakeDns())) as client:
        with pytest.raises(httpx.ConnectError):
            await client.post(receiver.url, content=b"{}")
        with pytest.raises(httpx.ConnectError, match=r"nowhere\.test did not resolve"):
            await client.post("http://nowhere.test/", content=b"{}")


async def test_attempts_in_a_row_share_one_connection(receiver: Receiver) -> None:
    """The answer's short body is read and dropped, so its connection carries the next delivery
    (left unread, every delivery opened, resolved and checked a connection of its own)."""
    async with _client(TargetPolicy(LOOPBACK, FakeDns())) as client:
        outcomes = [await _attempt(client, receiver.url) for _ in range(5)]
    assert [o.status_code for o in outcomes] == [200] * 5
    assert receiver.connections == 1


async def test_a_long_answer_is_not_read_and_its_connection_not_reused(receiver: Receiver) -> None:
    receiver.answer_body = b"x" * (webhook_sender.DRAIN_LIMIT + 1)
    async with _client(TargetPolicy(LOOPBACK, FakeDns())) as client:
        outcomes = [await _attempt(client, receiver.url) for _ in range(2)]
    assert [(o.status_code, o.error) for o in outcomes] == [(200, None)] * 2
    assert receiver.connections == 2
