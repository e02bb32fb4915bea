"""What both versions share when they read how a station reaches its CSMS (`ports.StationControl`'s
`read_network` and `installed_ca_certificates`): reading the values a station reports, leniently, and
asking which CA certificates it holds.

A network picture is read before a migration changes anything, so a value it cannot make sense of is
not raised: the setting is listed in `missing` (the station cannot be migrated that way) and its raw
text stays in `values` for the operator. A connection priority is unreadable when it names no slot,
names something that is not one of the station's slots, or names a slot twice: an order the
migration could act on wrongly is worse than none.

GetInstalledCertificateIds, like the provisioning requests, treats a CALLERROR NotImplemented or
NotSupported as the station's answer (it has no such message: None); every other CALLERROR, a timeout
and a lost connection raise what `StationLink.call` raises.
"""

import re
from collections.abc import Callable
from typing import Any

from switchyard.domain import StationRef
from switchyard.errors import CallError
from switchyard.ports import StationLink
from switchyard.protocol.provisioning import NOT_SUPPORTED_CALL_ERRORS
from switchyard.station_network import InstalledCertificate

_WHOLE_NUMBER = re.compile(r"-?[0-9]+")


def whole_number(value: str | None) -> int | None:
    """The value as an integer when it is one (surrounding spaces tolerated), else None."""
    if value is None or not _WHOLE_NUMBER.fullmatch(value.strip()):
        return None
    return int(value)


def read_priority(
    name: str, value: str | None, slot_of: Callable[[str], int | None]
) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """The connection priority in `value` (None: the station does not know `name`), first tried first,
    and what goes into `missing` when there is no order to use. `slot_of` names the slot an entry of
    the comma-separated list stands for (None: not a slot); spaces and empty entries are passed over."""
    if value is None:
        return (), (name,)
    slots = [slot_of(entry.strip()) for entry in value.split(",") if entry.strip()]
    if not slots or None in slots or len(set(slots)) != len(slots):
        # repr: an empty value or stray whitespace stays visible in the message.
        return (), (f"{name} (unreadable: {value!r})",)
    return tuple(slot for slot in slots if slot is not None), ()


async def certificate_ids(
    link: StationLink, station: StationRef, payload: dict[str, Any], timeout: float
) -> dict[str, Any] | None:
    """The GetInstalledCertificateIds answer; None when the station does not know the message."""
    try:
        return await link.call(station.identity, "GetInstalledCertificateIds", payload, timeout)
    except CallError as error:
        if error.code not in NOT_SUPPORTED_CALL_ERRORS:
            raise
        return None


def installed(certificate_type: str, hash_data: dict[str, Any]) -> InstalledCertificate:
    """One CertificateHashDataType (the same fields in both versions)."""
    return InstalledCertificate(
        certificate_type=certificate_type,
        hash_algorithm=hash_data["hashAlgorithm"],
        issuer_name_hash=hash_data["issuerNameHash"],
        issuer_key_hash=hash_data["issuerKeyHash"],
        serial_number=hash_data["serialNumber"],
    )
