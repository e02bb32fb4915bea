"""How a station reaches its CSMS, as it reports it: the picture a migration reads before it changes
anything, and again to explain a station that came back.

One vocabulary for both versions. A 1.6 station keeps seed 000's vendor keys (`NetworkConnectionProfileN`
hold one URL each, `NetworkConfigurationPriority` lists those key names); a 2.0.1 station keeps numbered
configuration slots whose contents cannot be read back, only their order
(`OCPPCommCtrlr.NetworkConfigurationPriority`) and the one in use (`ActiveNetworkProfile`).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class NetworkPicture:
    # The slots the station has, by number, with the URL each holds when the station can tell
    # (1.6 slot keys; "" is an empty slot). 2.0.1 slots cannot be read back: their URLs are None.
    # Empty when the station does not say which slots exist.
    slots: Mapping[int, str | None]
    # The order the station tries its slots in, first tried first, as it reports it now.
    priority: tuple[int, ...]
    # The slot of the connection in use, when the station says (2.0.1 ActiveNetworkProfile).
    active_slot: int | None = None
    # The station's security profile setting (1.6 `SecurityProfile`, 2.0.1 `SecurityCtrlr.SecurityProfile`).
    security_profile: int | None = None
    # Seconds (1.6 NetworkProfileConnectionTimeoutSec) or tries (2.0.1 NetworkProfileConnectionAttempts)
    # the station gives a slot before it moves on to the next.
    connection_timeout: int | None = None
    connection_attempts: int | None = None
    # The settings the migration method needs that the station does not know (it cannot be migrated
    # this way: `unsupported`).
    missing: tuple[str, ...] = ()
    # Every value as read, by setting name: the "before" and "after" pictures an operator sees.
    values: Mapping[str, str | None] = field(default_factory=dict)

    @property
    def first(self) -> int | None:
        """The slot tried first: the one in use, unless a reboot is pending."""
        return self.priority[0] if self.priority else None


@dataclass(frozen=True, slots=True)
class InstalledCertificate:
    """One CA certificate installed on a station, as GetInstalledCertificateIds identifies it."""

    # CSMSRootCertificate, ManufacturerRootCertificate, … (the station's words).
    certificate_type: str
    hash_algorithm: str
    issuer_name_hash: str
    issuer_key_hash: str
    serial_number: str
