"""OCPP 2.0.1 station control: the domain operations of `ports.StationControl` as 2.0.1 calls.

Settings are variables named `Component.Variable` (protocol/setting_names.py). GetBaseReport
(FullInventory) reads them all, as NotifyReport pages that must all arrive, in order, each within the
page timeout; GetVariables reads some, chunked by DeviceDataCtrlr.ItemsPerMessage and BytesPerMessage;
SetVariables changes one; Reset is Immediate or OnIdle. Network profiles, the connection priority, CA
certificates and the password: `provisioning.py`; the network picture `read_network` reads:
`network_reads.py`.
"""

import asyncio
import itertools
import time
from collections.abc import Mapping, Sequence
from typing import Any

from switchyard.bus.local import REPORT_PAGE, LocalBus, ReportPageArrived
from switchyard.domain import (
    ACTUAL,
    ChangeResult,
    ChangeStatus,
    ReportPage,
    ResetKind,
    ResetResult,
    Setting,
    StationRef,
)
from switchyard.errors import InvalidRequest, ReadFailed
from switchyard.ports import Progress, StationLink
from switchyard.protocol.framing import encode_json
from switchyard.protocol.setting_names import Address, parse_address, reported_limit
from switchyard.protocol.v201.network_reads import NETWORK_VARIABLES, network_picture
from switchyard.protocol.v201.provisioning import Provisioning201
from switchyard.station_network import NetworkPicture

ITEMS_PER_REQUEST = "DeviceDataCtrlr.ItemsPerMessage[GetVariables]"
BYTES_PER_REQUEST = "DeviceDataCtrlr.BytesPerMessage[GetVariables]"
# Used until the station has told us its own limit.
DEFAULT_ITEMS_PER_MESSAGE = 10
# Room for the frame around the payload when a request is held to BytesPerMessage.
_FRAME_BYTES = 60

_CHANGE_STATUS = {
    "Accepted": ChangeStatus.ACCEPTED,
    "RebootRequired": ChangeStatus.REBOOT_REQUIRED,
    "Rejected": ChangeStatus.REJECTED,
    "UnknownComponent": ChangeStatus.REJECTED,
    "UnknownVariable": ChangeStatus.REJECTED,
    "NotSupportedAttributeType": ChangeStatus.REJECTED,
}
_RESET_TYPE = {ResetKind.HARD: "Immediate", ResetKind.SOFT: "OnIdle"}


class Control201(Provisioning201):
    def __init__(self, link: StationLink, bus: LocalBus, page_timeout: float = 30.0) -> None:
        self._link = link
        self._page_timeout = page_timeout
        self._collecting: dict[tuple[str, int], asyncio.Queue[ReportPage]] = {}
        self._request_ids = itertools.count(int(time.time()) % 1_000_000)
        bus.subscribe(REPORT_PAGE, self._on_page)

    def limit_names(self, station: StationRef) -> tuple[str, ...]:
        return (ITEMS_PER_REQUEST, BYTES_PER_REQUEST)

    # -- reads --------------------------------------------------------------------------------

    async def read_all(self, station: StationRef, timeout: float, progress: Progress | None = None) -> list[Setting]:
        request_id = next(self._request_ids)
        pages: asyncio.Queue[ReportPage] = asyncio.Queue()
        self._collecting[(station.station_id, request_id)] = pages
        try:
            answer = await self._link.call(
                station.identity, "GetBaseReport", {"requestId": request_id, "reportBase": "FullInventory"}, timeout
            )
            if answer["status"] != "Accepted":
                raise ReadFailed(f"GetBaseReport answered {answer['status']}")
            return await self._gather(request_id, pages, progress)
        finally:
            self._collecting.pop((station.station_id, request_id), None)

    async def _gather(
        self, request_id: int, pages: "asyncio.Queue[ReportPage]", progress: Progress | None
    ) -> list[Setting]:
        settings: list[Setting] = []
        expected = 0
        while True:
            try:
                async with asyncio.timeout(self._page_timeout):
                    page = await pages.get()
            except TimeoutError:
                raise ReadFailed(
                    f"NotifyReport page {expected} of request {request_id} did not arrive "
                    f"within {self._page_timeout:g} s"
                ) from None
            if page.seq_no != expected:
                raise ReadFailed(f"NotifyReport page {expected} is missing (page {page.seq_no} arrived)")
            settings += [_from_report(entry) for entry in page.report_data]
            expected += 1
            if not page.tbc:
                return settings
            if progress is not None:
                await progress(
                    f"reading: {_count(expected, 'NotifyReport page')} so far, {_count(len(settings), 'variable')}"
                )

    def _on_page(self, event: ReportPageArrived) -> None:
        page = event.page
        queue = self._collecting.get((event.station_id, page.request_id))
        if queue is not None:
            queue.put_nowait(page)

    async def read_values(
        self,
        station: StationRef,
        names: Sequence[str],
        timeout: float,
        limits: Mapping[str, str | None],
        attribute: str = ACTUAL,
    ) -> dict[str, str | None]:
        items = reported_limit(limits.get(ITEMS_PER_REQUEST)) or DEFAULT_ITEMS_PER_MESSAGE
        byte_limit = reported_limit(limits.get(BYTES_PER_REQUEST)) or 0
        values: dict[str, str | None] = {}
        for data in _variable_chunks(names, items, byte_limit):
            if attribute != ACTUAL:
                data = [{**item, "attributeType": attribute} for item in data]
            results = await self._get_variables(station, data, timeout)
            values.update({name: _value_of(result) for name, result in results.items()})
        return values

    async def read_network(self, station: StationRef, timeout: float) -> NetworkPicture:
        # Read without waiting to know the station's message limits: the four names fit the default
        # request size. A station allowing fewer refuses the items past its limit (Rejected,
        # TooManyElements); those are asked for again one per request, not taken for variables it lacks.
        results: dict[str, dict[str, Any]] = {}
        for data in _variable_chunks(NETWORK_VARIABLES, DEFAULT_ITEMS_PER_MESSAGE, 0):
            results |= await self._get_variables(station, data, timeout)
        for name in [name for name, result in results.items() if _too_many(result)]:
            results |= await self._get_variables(station, _variable_chunks([name], 1, 0)[0], timeout)
        return network_picture({name: _value_of(result) for name, result in results.items()})

    async def _get_variables(
        self, station: StationRef, data: list[dict[str, Any]], timeout: float
    ) -> dict[str, dict[str, Any]]:
        """One GetVariables request; its results by setting name."""
        answer = await self._link.call(station.identity, "GetVariables", {"getVariableData": data}, timeout)
        return {address_of(r["component"], r["variable"]).name: r for r in answer["getVariableResult"]}

    # -- changes ------------------------------------------------------------------------------

    async def change(
        self, station: StationRef, name: str, value: str, timeout: float, attribute: str = ACTUAL
    ) -> ChangeResult:
        address = parse_address(name)
        if address is None:  # checked when the change was requested; a stored one is always valid
            raise InvalidRequest(f"{name!r} is not a Component.Variable name")
        data = {"attributeValue": value, **wire(address)}
        if attribute != ACTUAL:
            data["attributeType"] = attribute
        answer = await self._link.call(station.identity, "SetVariables", {"setVariableData": [data]}, timeout)
        result = answer["setVariableResult"][0]
        status = result["attributeStatus"]
        said: dict[str, Any] = {"status": status}
        if result.get("attributeStatusInfo"):
            said["statusInfo"] = result["attributeStatusInfo"]
        return ChangeResult(_CHANGE_STATUS.get(status, ChangeStatus.UNKNOWN), said)

    async def reset(self, station: StationRef, kind: ResetKind, timeout: float) -> ResetResult:
        answer = await self._link.call(station.identity, "Reset", {"type": _RESET_TYPE[kind]}, timeout)
        said: dict[str, Any] = {"status": answer["status"]}
        if answer.get("statusInfo"):
            said["statusInfo"] = answer["statusInfo"]
        # Scheduled: accepted, to happen once the running transactions end (B12.FR.03).
        return ResetResult(answer["status"] in ("Accepted", "Scheduled"), said)

    def reset_waits_for_idle(self, station: StationRef, kind: ResetKind) -> bool:
        return kind is ResetKind.SOFT


def wire(address: Address) -> dict[str, Any]:
    """The `component` and `variable` objects of GetVariables / SetVariables."""
    component: dict[str, Any] = {"name": address.component}
    if address.component_instance:
        component["instance"] = address.component_instance
    if address.evse is not None:
        component["evse"] = {"id": address.evse}
        if address.connector is not None:
            component["evse"]["connectorId"] = address.connector
    variable: dict[str, Any] = {"name": address.variable}
    if address.instance:
        variable["instance"] = address.instance
    return {"component": component, "variable": variable}


def address_of(component: dict[str, Any], variable: dict[str, Any]) -> Address:
    evse = component.get("evse") or {}
    return Address(
        component=component["name"],
        variable=variable["name"],
        component_instance=component.get("instance"),
        evse=evse.get("id"),
        connector=evse.get("connectorId"),
        instance=variable.get("instance"),
    )


def _from_report(entry: dict[str, Any]) -> Setting:
    address = address_of(entry["component"], entry["variable"])
    attributes = entry.get("variableAttribute") or [{}]
    actual = next((a for a in attributes if a.get("type", ACTUAL) == ACTUAL), attributes[0])
    mutability = actual.get("mutability", "ReadWrite")
    return Setting(
        name=address.name,
        value=actual.get("value"),
        readonly=mutability == "ReadOnly",
        writeonly=mutability == "WriteOnly",
        address={"component": entry["component"], "variable": entry["variable"]},
        characteristics=entry.get("variableCharacteristics"),
    )


def _variable_chunks(names: Sequence[str], items: int, byte_limit: int) -> list[list[dict[str, Any]]]:
    """GetVariables items in chunks that respect both ItemsPerMessage and (with room for the frame)
    BytesPerMessage."""
    chunks: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    for name in names:
        address = parse_address(name)
        if address is None:
            continue
        candidate = [*current, wire(address)]
        too_big = byte_limit and len(encode_json({"getVariableData": candidate})) + _FRAME_BYTES > byte_limit
        if current and (len(candidate) > items or too_big):
            chunks.append(current)
            current = candidate[-1:]
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks


def _value_of(result: dict[str, Any]) -> str | None:
    return result.get("attributeValue") if result["attributeStatus"] == "Accepted" else None


def _too_many(result: dict[str, Any]) -> bool:
    """Refused only for the size of the request (reason codes are case-insensitive)."""
    reason = (result.get("attributeStatusInfo") or {}).get("reasonCode", "")
    return bool(result["attributeStatus"] == "Rejected" and reason.lower() == "toomanyelements")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")
