"""OCPP 2.0.1 station-initiated messages, translated to and from the domain model."""

import math
from collections.abc import Awaitable
from typing import Any

from switchyard.clock import Clock
from switchyard.domain import (
    BootInfo,
    ConnectorStatus,
    ReportPage,
    TransactionPhase,
    TransactionUpdate,
)
from switchyard.ports import StationEvents
from switchyard.protocol.endpoint import Handler, OcppEndpoint
from switchyard.protocol.shared_handlers import answer_after, boot_answer, build_shared_handlers, station

Payload = dict[str, Any]
# 2.0.1's schemas are JSON Schema draft 6, where 1.0 is an integer: the handlers store ints (a
# PostgreSQL integer column refuses a float), so every integer field goes through int().

_PHASES = {
    "Started": TransactionPhase.STARTED,
    "Updated": TransactionPhase.UPDATED,
    "Ended": TransactionPhase.ENDED,
}
_ENERGY = "Energy.Active.Import.Register"


def energy_wh(meter_values: list[Payload] | None) -> float | None:
    """The first active-import energy register reading, in Wh (None when absent or beyond a float)."""
    for meter_value in meter_values or ():
        for sample in meter_value.get("sampledValue", ()):
            if sample.get("measurand", _ENERGY) != _ENERGY:
                continue
            unit = sample.get("unitOfMeasure", {})
            scale = 1000.0 if unit.get("unit", "Wh") == "kWh" else 1.0
            try:
                wh = float(sample["value"]) * scale * math.pow(10.0, unit.get("multiplier", 0))
            except OverflowError:
                return None
            return wh if math.isfinite(wh) else None
    return None


def _integer(value: Any) -> int | None:
    return None if value is None else int(value)


class Handlers201:
    """The handlers of what a station sends, over `StationEvents`."""

    def __init__(self, events: StationEvents, clock: Clock) -> None:
        self._events = events
        self._clock = clock

    def boot_notification(self, endpoint: OcppEndpoint, p: Payload) -> Payload:
        cs = p["chargingStation"]
        modem = cs.get("modem", {})
        info = BootInfo(
            vendor=cs["vendorName"],
            model=cs["model"],
            serial_number=cs.get("serialNumber"),
            firmware_version=cs.get("firmwareVersion"),
            iccid=modem.get("iccid"),
            imsi=modem.get("imsi"),
            reason=p["reason"],
        )
        return boot_answer(endpoint, self._events, self._clock, info)

    def status_notification(self, endpoint: OcppEndpoint, p: Payload) -> Payload:
        self._events.connector_status(
            station(endpoint),
            ConnectorStatus(
                evse_id=int(p["evseId"]),
                connector_id=int(p["connectorId"]),
                status=p["connectorStatus"],
                timestamp=p["timestamp"],
            ),
        )
        return {}

    def notify_event(self, endpoint: OcppEndpoint, p: Payload) -> Payload:
        # Stations may report connector availability as events instead of StatusNotification.
        for event in p["eventData"]:
            component, variable = event["component"], event["variable"]
            evse = component.get("evse")
            if component["name"] == "Connector" and variable["name"] == "AvailabilityState" and evse:
                self._events.connector_status(
                    station(endpoint),
                    ConnectorStatus(
                        evse_id=int(evse["id"]),
                        connector_id=int(evse.get("connectorId", 1)),
                        status=event["actualValue"],
                        timestamp=event["timestamp"],
                    ),
                )
        return {}

    def notify_report(self, endpoint: OcppEndpoint, p: Payload) -> Payload | Awaitable[Payload]:
        page = ReportPage(
            request_id=int(p["requestId"]),
            seq_no=int(p["seqNo"]),
            tbc=p.get("tbc", False),
            generated_at=p["generatedAt"],
            report_data=p.get("reportData", []),
        )
        return answer_after(self._events.report_page(station(endpoint), page), {})

    def authorize(self, endpoint: OcppEndpoint, p: Payload) -> Payload:
        return {"idTokenInfo": {"status": self._events.authorize(station(endpoint), p["idToken"]["idToken"])}}

    async def transaction_event(self, endpoint: OcppEndpoint, p: Payload) -> Payload:
        info = p["transactionInfo"]
        evse = p.get("evse", {})
        id_token = p.get("idToken", {}).get("idToken")
        outcome = await self._events.transaction(
            station(endpoint),
            TransactionUpdate(
                phase=_PHASES[p["eventType"]],
                timestamp=p["timestamp"],
                transaction_ref=info["transactionId"],
                evse_id=_integer(evse.get("id")),
                connector_id=_integer(evse.get("connectorId")),
                id_token=id_token,
                meter_wh=energy_wh(p.get("meterValue")),
                reason=info.get("stoppedReason"),
            ),
        )
        if id_token is None or outcome.id_token_status is None:
            return {}
        return {"idTokenInfo": {"status": outcome.id_token_status}}


def build_handlers(events: StationEvents, clock: Clock) -> dict[str, Handler]:
    handlers = Handlers201(events, clock)
    shared = build_shared_handlers(events, clock)
    return {
        **shared,
        "BootNotification": handlers.boot_notification,
        "StatusNotification": handlers.status_notification,
        "NotifyEvent": handlers.notify_event,
        "NotifyReport": handlers.notify_report,
        "NotifyMonitoringReport": shared["MeterValues"],
        "Authorize": handlers.authorize,
        "TransactionEvent": handlers.transaction_event,
    }
