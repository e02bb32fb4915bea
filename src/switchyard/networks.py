"""IP networks given as settings (CIDR lists): shared by the settings that take them and the code that uses them."""

import ipaddress

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(value: object) -> tuple[IPNetwork, ...]:
    """`"10.0.0.0/8,127.0.0.1/32"` (or a list of such) as networks; raises ValueError naming a bad one."""
    if value is None:
        return ()
    if isinstance(value, str):
        items: list[object] = list(value.split(","))
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise ValueError("give networks in CIDR form, separated by commas, like 10.0.0.0/8,127.0.0.1/32")
    networks: list[IPNetwork] = []
    for item in items:
        if isinstance(item, ipaddress.IPv4Network | ipaddress.IPv6Network):
            networks.append(item)
            continue
        text = str(item).strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text))
        except ValueError as exc:
            raise ValueError(f"{text!r} is not a network in CIDR form like 10.0.0.0/8: {exc}") from None
    return tuple(networks)
