"""OCPP 1.6 station control: the domain operations of `ports.StationControl` as 1.6 calls.

Settings are configuration keys: GetConfiguration without keys reads them all, with keys reads some,
chunked by the station's GetConfigurationMaxKeys; ChangeConfiguration changes one; Reset is Hard or
Soft. 1.6 keys have one value, so an attribute other than Actual is refused before anything is sent.
Network profiles, the connection priority, CA certificates and the password: `provisioning.py`; the
network picture `read_network` reads: `network_reads.py`.
"""

from collections.abc import Mapping, Sequence

from switchyard.domain import (
    ACTUAL,
    ChangeResult,
    ChangeStatus,
    ResetKind,
    ResetResult,
    Setting,
    StationRef,
)
from switchyard.errors import InvalidRequest
from switchyard.ports import Progress, StationLink
from switchyard.protocol.setting_names import reported_limit
from switchyard.protocol.v16.network_reads import NETWORK_KEYS, network_picture
from switchyard.protocol.v16.provisioning import Provisioning16
from switchyard.station_network import NetworkPicture

KEYS_PER_REQUEST = "GetConfigurationMaxKeys"
# Used until the station has told us its own limit.
DEFAULT_KEYS_PER_REQUEST = 20

_CHANGE_STATUS = {
    "Accepted": ChangeStatus.ACCEPTED,
    "RebootRequired": ChangeStatus.REBOOT_REQUIRED,
    "Rejected": ChangeStatus.REJECTED,
    "NotSupported": ChangeStatus.REJECTED,
}
_RESET_TYPE = {ResetKind.HARD: "Hard", ResetKind.SOFT: "Soft"}


class Control16(Provisioning16):
    def __init__(self, link: StationLink) -> None:
        self._link = link

    def limit_names(self, station: StationRef) -> tuple[str, ...]:
        return (KEYS_PER_REQUEST,)

    async def read_all(self, station: StationRef, timeout: float, progress: Progress | None = None) -> list[Setting]:
        answer = await self._link.call(station.identity, "GetConfiguration", {}, timeout)
        return [
            Setting(entry["key"], entry.get("value"), bool(entry["readonly"]))
            for entry in answer.get("configurationKey", [])
        ]

    async def read_values(
        self,
        station: StationRef,
        names: Sequence[str],
        timeout: float,
        limits: Mapping[str, str | None],
        attribute: str = ACTUAL,
    ) -> dict[str, str | None]:
        _only_actual(attribute)
        size = reported_limit(limits.get(KEYS_PER_REQUEST)) or DEFAULT_KEYS_PER_REQUEST
        values: dict[str, str | None] = {}
        for start in range(0, len(names), size):
            chunk = list(names[start : start + size])
            answer = await self._link.call(station.identity, "GetConfiguration", {"key": chunk}, timeout)
            # Keys are case-insensitive (CiString); firmware often answers in its own spelling.
            reported = {entry["key"].lower(): entry.get("value") for entry in answer.get("configurationKey", [])}
            values.update({name: reported.get(name.lower()) for name in chunk})
        return values

    async def change(
        self, station: StationRef, name: str, value: str, timeout: float, attribute: str = ACTUAL
    ) -> ChangeResult:
        _only_actual(attribute)
        answer = await self._link.call(station.identity, "ChangeConfiguration", {"key": name, "value": value}, timeout)
        status = answer["status"]
        return ChangeResult(_CHANGE_STATUS.get(status, ChangeStatus.UNKNOWN), {"status": status})

    async def reset(self, station: StationRef, kind: ResetKind, timeout: float) -> ResetResult:
        answer = await self._link.call(station.identity, "Reset", {"type": _RESET_TYPE[kind]}, timeout)
        return ResetResult(answer["status"] == "Accepted", {"status": answer["status"]})

    def reset_waits_for_idle(self, station: StationRef, kind: ResetKind) -> bool:
        # A 1.6 Soft reset stops running transactions first (1.6 §5.14); neither kind waits.
        return False

    async def read_network(self, station: StationRef, timeout: float) -> NetworkPicture:
        # Five keys in one request, without waiting to know GetConfigurationMaxKeys: fewer than the
        # DEFAULT_KEYS_PER_REQUEST assumed until a station has told its limit.
        payload = {"key": list(NETWORK_KEYS)}
        answer = await self._link.call(station.identity, "GetConfiguration", payload, timeout)
        return network_picture(answer.get("configurationKey", []))


def _only_actual(attribute: str) -> None:
    if attribute != ACTUAL:
        raise InvalidRequest(f"OCPP 1.6 keys have no {attribute} attribute; attribute types are OCPP 2.0.1")
