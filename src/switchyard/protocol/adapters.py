"""The version adapters: handler tables for what stations send, station control for what we ask, and
the rules of each version's setting names.

This is where a station's OCPP version picks the code that speaks to it; core never compares versions.
"""

from collections.abc import Mapping, Sequence

from switchyard.bus.local import LocalBus
from switchyard.clock import Clock
from switchyard.domain import (
    ACTUAL,
    CaCertificate,
    CertificateKind,
    ChangeResult,
    NetworkProfile,
    ProvisionResult,
    ResetKind,
    ResetResult,
    Setting,
    StationPassword,
    StationRef,
)
from switchyard.errors import InvalidInput, InvalidRequest
from switchyard.ports import Progress, StationControl, StationEvents, StationLink
from switchyard.protocol.dialect import OcppVersion
from switchyard.protocol.endpoint import Handler
from switchyard.protocol.setting_rules import SettingRules
from switchyard.protocol.v16.control import Control16
from switchyard.protocol.v16.handlers import build_handlers as build_v16
from switchyard.protocol.v16.setting_rules import SettingRules16
from switchyard.protocol.v201.control import Control201
from switchyard.protocol.v201.handlers import build_handlers as build_v201
from switchyard.protocol.v201.setting_rules import SettingRules201
from switchyard.station_network import InstalledCertificate, NetworkPicture


def build_handler_tables(events: StationEvents, clock: Clock) -> dict[OcppVersion, dict[str, Handler]]:
    return {OcppVersion.V16: build_v16(events, clock), OcppVersion.V201: build_v201(events, clock)}


class StationControls:
    """`StationControl` for a mixed fleet: each operation goes to the adapter of the station's version."""

    def __init__(self, link: StationLink, bus: LocalBus, page_timeout: float = 30.0) -> None:
        self._adapters: dict[str, StationControl] = {
            OcppVersion.V16.value: Control16(link),
            OcppVersion.V201.value: Control201(link, bus, page_timeout),
        }

    def _adapter(self, station: StationRef) -> StationControl:
        adapter = self._adapters.get(station.ocpp_version)
        if adapter is None:
            raise InvalidRequest(f"{station.identity} speaks OCPP {station.ocpp_version!r}, which has no adapter")
        return adapter

    def limit_names(self, station: StationRef) -> tuple[str, ...]:
        return self._adapter(station).limit_names(station)

    async def read_all(self, station: StationRef, timeout: float, progress: Progress | None = None) -> list[Setting]:
        return await self._adapter(station).read_all(station, timeout, progress)

    async def read_values(
        self,
        station: StationRef,
        names: Sequence[str],
        timeout: float,
        limits: Mapping[str, str | None],
        attribute: str = ACTUAL,
    ) -> dict[str, str | None]:
        return await self._adapter(station).read_values(station, names, timeout, limits, attribute)

    async def change(
        self, station: StationRef, name: str, value: str, timeout: float, attribute: str = ACTUAL
    ) -> ChangeResult:
        return await self._adapter(station).change(station, name, value, timeout, attribute)

    async def reset(self, station: StationRef, kind: ResetKind, timeout: float) -> ResetResult:
        return await self._adapter(station).reset(station, kind, timeout)

    def reset_waits_for_idle(self, station: StationRef, kind: ResetKind) -> bool:
        return self._adapter(station).reset_waits_for_idle(station, kind)

    async def set_network_profile(
        self, station: StationRef, slot: int, profile: NetworkProfile, timeout: float
    ) -> ProvisionResult:
        return await self._adapter(station).set_network_profile(station, slot, profile, timeout)

    async def set_connection_priority(
        self, station: StationRef, slots: Sequence[int], timeout: float
    ) -> ProvisionResult:
        return await self._adapter(station).set_connection_priority(station, slots, timeout)

    async def install_ca_certificate(
        self, station: StationRef, certificate: CaCertificate, timeout: float
    ) -> ProvisionResult:
        return await self._adapter(station).install_ca_certificate(station, certificate, timeout)

    async def set_basic_auth_password(
        self, station: StationRef, password: StationPassword, timeout: float
    ) -> ProvisionResult:
        return await self._adapter(station).set_basic_auth_password(station, password, timeout)

    async def read_network(self, station: StationRef, timeout: float) -> NetworkPicture:
        return await self._adapter(station).read_network(station, timeout)

    async def installed_ca_certificates(
        self, station: StationRef, kind: CertificateKind, timeout: float
    ) -> list[InstalledCertificate] | None:
        return await self._adapter(station).installed_ca_certificates(station, kind, timeout)


_SETTING_RULES: dict[str, SettingRules] = {
    OcppVersion.V16.value: SettingRules16(),
    OcppVersion.V201.value: SettingRules201(),
}


def setting_rules(ocpp_version: str) -> SettingRules:
    """How stations of `ocpp_version` name their settings, and what a change to one must respect."""
    rules = _SETTING_RULES.get(ocpp_version)
    if rules is None:
        raise InvalidInput(f"OCPP {ocpp_version!r} has no setting rules")
    return rules
