"""OCPP 1.6's network picture: seed 000's vendor keys, as one GetConfiguration reports them.

`NetworkConnectionProfile1` and `2` hold one CSMS URL each and `NetworkConfigurationPriority` lists
those key names, first tried first: the migration method needs all three, so a station that does not
know one has it in `missing`. `NetworkProfileConnectionTimeoutSec` and `SecurityProfile` only add to
the picture; unknown, they stay None.

- A slot key the station knows but reports without a value is an empty slot, "" (1.6: "known but
  not set"); `values` keeps what was read (None).
- The priority is read leniently: key names without regard to case (they are CiStrings), spaces
  around the commas and empty entries passed over. An entry that is not one of the two slot keys (a
  third vendor slot, a URL, a typo) or a slot named twice makes it unreadable: priority () and
  `NetworkConfigurationPriority (unreadable: '<value>')` in `missing`.
- No key says which slot is in use: the first in the priority is, until a reboot is pending
  (`NetworkPicture.first`), so `active_slot` is None.
"""

from collections.abc import Iterable
from typing import Any

from switchyard.protocol.catalogue import NETWORK_SLOTS_16
from switchyard.protocol.network_reads import read_priority, whole_number
from switchyard.protocol.v16.provisioning import PRIORITY_KEY, SLOT_KEY_PREFIX
from switchyard.station_network import NetworkPicture

TIMEOUT_KEY = "NetworkProfileConnectionTimeoutSec"
SECURITY_PROFILE_KEY = "SecurityProfile"
# What the seed 000 method cannot do without.
NEEDED_KEYS = (*NETWORK_SLOTS_16, PRIORITY_KEY)
NETWORK_KEYS = (*NEEDED_KEYS, TIMEOUT_KEY, SECURITY_PROFILE_KEY)

_SLOTS = {int(key.removeprefix(SLOT_KEY_PREFIX)): key for key in NETWORK_SLOTS_16}
_SLOT_OF_KEY = {key.lower(): slot for slot, key in _SLOTS.items()}


def network_picture(configuration_key: Iterable[dict[str, Any]]) -> NetworkPicture:
    """The picture in a GetConfiguration answer's `configurationKey` entries for `NETWORK_KEYS`."""
    reported: dict[str, str | None] = {}
    for entry in configuration_key:
        # Keys are case-insensitive; firmware often answers in its own spelling. A key listed twice:
        # the first one counts.
        reported.setdefault(entry["key"].lower(), entry.get("value"))
    known = {key for key in NETWORK_KEYS if key.lower() in reported}
    values = {key: reported.get(key.lower()) for key in NETWORK_KEYS}
    slots = {slot: values[key] or "" for slot, key in _SLOTS.items() if key in known}
    said_priority = (values[PRIORITY_KEY] or "") if PRIORITY_KEY in known else None
    priority, unreadable = read_priority(PRIORITY_KEY, said_priority, _slot_of)
    return NetworkPicture(
        slots=slots,
        priority=priority,
        security_profile=whole_number(values[SECURITY_PROFILE_KEY]),
        connection_timeout=whole_number(values[TIMEOUT_KEY]),
        missing=(*(key for key in NETWORK_SLOTS_16 if key not in known), *unreadable),
        values=values,
    )


def _slot_of(entry: str) -> int | None:
    return _SLOT_OF_KEY.get(entry.lower())
