"""Where webhooks may go: public addresses, and the networks the node's operator allows.

A subscription's URL must not make the server a proxy into its own networks (SSRF): loopback,
private, link-local (cloud metadata), unspecified, multicast, reserved and shared (CGNAT) addresses
are refused, as are their IPv6 forms that embed an IPv4 address (mapped, compatible, 6to4, NAT64),
`localhost` names, and IPv4 literals in unusual forms (`2130706433`, `0x7f000001`, `127.1`).

The check runs twice. When a URL is given (`check_target`): an IP literal is checked, a name is
resolved and every address checked; a name that does not resolve is accepted, because the second
check guards. When connecting (`connect_addresses`, used by `webhook_transport`): the name is
resolved once, every address is checked, and only checked addresses are connected to, so a DNS
answer that changes in between (rebinding) cannot reach a refused address.
"""

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field

from switchyard.errors import InvalidInput
from switchyard.networks import IPNetwork

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# (host, port) -> the addresses it resolves to; raises OSError when it does not resolve.
Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]

# Seconds a URL's name may take to resolve when a subscription is created or changed.
RESOLVE_TIMEOUT = 2.0
ALLOW_HINT = "webhooks go only to public addresses, or to networks the node's operator allows"

PRIVATE = "a private address"
LOOPBACK = "a loopback address"
LINK_LOCAL = "a link-local address"
UNSPECIFIED = "an unspecified address"
MULTICAST = "a multicast address"
RESERVED = "a reserved address"
SHARED = "a shared (carrier-grade NAT) address"
DOCUMENTATION = "a documentation address"
# Marks IPv6 ranges that carry an IPv4 address: the IPv4 address decides.
_EMBEDDED = ""
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")


def _table(rows: Iterable[tuple[str, str]]) -> tuple[tuple[IPNetwork, str], ...]:
    return tuple((ipaddress.ip_network(network), kind) for network, kind in rows)


# The IANA special-purpose ranges that are not globally reachable, in the order they are checked.
# Python's `is_global` and `is_private` are not used: they changed between Python releases.
REFUSED = _table(
    [
        ("0.0.0.0/8", UNSPECIFIED),
        ("10.0.0.0/8", PRIVATE),
        ("100.64.0.0/10", SHARED),
        ("127.0.0.0/8", LOOPBACK),
        ("169.254.0.0/16", LINK_LOCAL),
        ("172.16.0.0/12", PRIVATE),
        ("192.0.0.0/24", RESERVED),
        ("192.0.2.0/24", DOCUMENTATION),
        ("192.88.99.0/24", RESERVED),
        ("192.168.0.0/16", PRIVATE),
        ("198.18.0.0/15", RESERVED),
        ("198.51.100.0/24", DOCUMENTATION),
        ("203.0.113.0/24", DOCUMENTATION),
        ("224.0.0.0/4", MULTICAST),
        ("240.0.0.0/4", RESERVED),
        ("::/128", UNSPECIFIED),
        ("::1/128", LOOPBACK),
        ("::ffff:0:0/96", _EMBEDDED),  # IPv4-mapped
        ("::ffff:0:0:0/96", _EMBEDDED),  # IPv4-translated
        ("::/96", _EMBEDDED),  # IPv4-compatible
        ("64:ff9b::/96", _EMBEDDED),  # NAT64
        ("64:ff9b:1::/48", PRIVATE),
        ("100::/64", RESERVED),
        ("2001::/23", RESERVED),  # IETF protocol assignments, Teredo among them
        ("2001:db8::/32", DOCUMENTATION),
        ("2002::/16", _EMBEDDED),  # 6to4
        ("3fff::/20", DOCUMENTATION),
        ("5f00::/16", RESERVED),
        ("fc00::/7", PRIVATE),
        ("fe80::/10", LINK_LOCAL),
        ("fec0::/10", PRIVATE),
        ("ff00::/8", MULTICAST),
    ]
)


class AddressRefused(Exception):
    """A webhook target outside what may be reached; `reason` is fixed text, fit to show the tenant."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class HostUnresolved(Exception):
    """The target's name did not resolve when connecting."""


class UnusualAddress(ValueError):
    """A host that is an IP address only in a form a resolver may read otherwise than a reader would."""


async def resolve_system(host: str, port: int) -> list[IPAddress]:
    """The addresses the system resolver gives for `host`, in its order, without repeats."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: list[IPAddress] = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0])
        if address not in found:
            found.append(address)
    return found


@dataclass
class TargetPolicy:
    """The SSRF rules with the operator's allow-list, and the resolver both checks use."""

    allowed: tuple[IPNetwork, ...] = ()
    resolver: Resolver = field(default=resolve_system)

    def refusal(self, address: IPAddress) -> str | None:
        """What kind of address this is when it is refused (like "a loopback address"); None when allowed."""
        if self._allowed(address):
            return None
        return kind_of(address)

    def _allowed(self, address: IPAddress) -> bool:
        # The IPv4-mapped form reaches the same host as the IPv4 address it carries.
        mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
        return any(address in network or (mapped is not None and mapped in network) for network in self.allowed)

    async def check_target(self, host: str, port: int) -> None:
        """Refuse, with a message for the API (InvalidInput), a URL host that is not allowed.

        `host` is as sent (IDNA-encoded, IPv6 without brackets)."""
        try:
            literal = literal_address(host)
        except UnusualAddress as exc:
            raise InvalidInput(f"url: {exc}") from None
        if literal is not None:
            kind = self.refusal(literal)
            if kind is not None:
                raise InvalidInput(f"url: {host} is {kind}; {ALLOW_HINT}")
            return
        name = host.rstrip(".").lower()
        if is_localhost(name):
            raise InvalidInput(f"url: {host} names this server; {ALLOW_HINT}, by address")
        try:
            async with asyncio.timeout(RESOLVE_TIMEOUT):
                addresses = await self.resolver(name, port)
        except (OSError, TimeoutError, UnicodeError, ValueError):
            return  # checked again, and refused then, when connecting
        kinds = [kind for kind in map(self.refusal, addresses) if kind is not None]
        if kinds:
            raise InvalidInput(f"url: {host} resolves to {kinds[0]}; {ALLOW_HINT}")

    async def connect_addresses(self, host: str, port: int) -> Sequence[IPAddress]:
        """The addresses to connect to for `host`, each allowed; raises AddressRefused or HostUnresolved.

        The caller bounds the time this takes (the attempt's connect timeout)."""
        try:
            literal = literal_address(host)
        except UnusualAddress:
            raise AddressRefused("refused: the host is an IP address in an unusual form (not allowed)") from None
        if literal is not None:
            addresses: Sequence[IPAddress] = [literal]
        else:
            name = host.rstrip(".").lower()
            if is_localhost(name):
                raise AddressRefused("refused: the host is a localhost name (not allowed)")
            try:
                addresses = await self.resolver(name, port)
            except (OSError, UnicodeError, ValueError) as exc:
                raise HostUnresolved(f"{host} did not resolve") from exc
            if not addresses:
                raise HostUnresolved(f"{host} did not resolve")
        for address in addresses:
            kind = self.refusal(address)
            if kind is not None:
                raise AddressRefused(f"refused: the host resolves to {kind} (not allowed)")
        return addresses


def kind_of(address: IPAddress) -> str | None:
    """The kind of special-purpose address this is (see REFUSED), or None for a public one."""
    for network, kind in REFUSED:
        if address.version == network.version and address in network:
            if kind == _EMBEDDED:
                return kind_of(_embedded_ipv4(address, network))
            return kind
    return None


def _embedded_ipv4(address: IPAddress, network: IPNetwork) -> ipaddress.IPv4Address:
    assert isinstance(address, ipaddress.IPv6Address)
    if network == _SIX_TO_FOUR:  # the 32 bits after the 2002: prefix
        assert address.sixtofour is not None
        return address.sixtofour
    return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)  # the other forms end with it


def literal_address(host: str) -> IPAddress | None:
    """The IP address `host` is, or None for a name; raises UnusualAddress for an ambiguous spelling.

    `socket.inet_aton`, and so the system resolver, also reads `2130706433`, `0x7f000001`, `127.1`
    and `0177.0.0.1` as IPv4 addresses: such hosts are refused rather than guessed at. So are IPv6
    zones (`fe80::1%eth0`), which only link-local addresses need."""
    bare = host.removeprefix("[").removesuffix("]")
    if "%" in bare:
        raise UnusualAddress("an IPv6 address with a zone (%) is not allowed")
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        pass
    try:
        socket.inet_aton(bare.rstrip("."))
    except (OSError, ValueError):
        return None
    raise UnusualAddress(
        f"{host!r} is an IPv4 address in an unusual form; write it as four decimal numbers, like 8.8.8.8"
    )


def is_localhost(name: str) -> bool:
    """`localhost` and its subdomains name this machine (RFC 6761), whatever DNS says."""
    return name == "localhost" or name.endswith(".localhost")
