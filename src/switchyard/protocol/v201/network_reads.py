"""OCPP 2.0.1's network picture: the device-model variables around the configuration slots (B09/B10).

A slot's contents cannot be read back in 2.0.1, only the order the station tries them in
(`OCPPCommCtrlr.NetworkConfigurationPriority`, which the migration method cannot do without: unknown
or unreadable, it is in `missing`) and the slot in use (`ActiveNetworkProfile`). So `slots` is empty.
`NetworkProfileConnectionAttempts` and `SecurityCtrlr.SecurityProfile` add to the picture; a value
that is not a whole number stays None, its text in `values`.

The priority is read leniently ("2, 1" and "2,1," are (2, 1)); an entry that is not a slot number or
a slot named twice makes it unreadable (`protocol/network_reads.py`).
"""

from collections.abc import Mapping

from switchyard.protocol.network_reads import read_priority, whole_number
from switchyard.protocol.v201.provisioning import LOWEST_SLOT, PRIORITY_VARIABLE
from switchyard.station_network import NetworkPicture

PRIORITY = ".".join(PRIORITY_VARIABLE)
ACTIVE_SLOT = "OCPPCommCtrlr.ActiveNetworkProfile"
CONNECTION_ATTEMPTS = "OCPPCommCtrlr.NetworkProfileConnectionAttempts"
SECURITY_PROFILE = "SecurityCtrlr.SecurityProfile"
NETWORK_VARIABLES = (PRIORITY, ACTIVE_SLOT, CONNECTION_ATTEMPTS, SECURITY_PROFILE)


def network_picture(read: Mapping[str, str | None]) -> NetworkPicture:
    """The picture in the values of `NETWORK_VARIABLES` as read (None: not reported, for whatever reason)."""
    values = {name: read.get(name) for name in NETWORK_VARIABLES}
    priority, missing = read_priority(PRIORITY, values[PRIORITY], _slot_of)
    return NetworkPicture(
        slots={},
        priority=priority,
        active_slot=whole_number(values[ACTIVE_SLOT]),
        security_profile=whole_number(values[SECURITY_PROFILE]),
        connection_attempts=whole_number(values[CONNECTION_ATTEMPTS]),
        missing=missing,
        values=values,
    )


def _slot_of(entry: str) -> int | None:
    slot = whole_number(entry)
    return slot if slot is not None and slot >= LOWEST_SLOT else None
