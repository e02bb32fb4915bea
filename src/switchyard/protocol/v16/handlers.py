"""OCPP 1.6 station-initiated messages, translated to and from the domain model."""

from typing import Any

from switchyard.clock import Clock
from switchyard.domain import (
    BootInfo,
    ConnectorStatus,
    TransactionPhase,
    TransactionUpdate,
)
from switchyard.ports import StationEvents
from switchyard.protocol.endpoint import Handler, OcppEndpoint
from switchyard.protocol.shared_handlers import boot_answer, build_shared_handlers, station

Payload = dict[str, Any]


class Handlers16:
    """The handlers of what a station sends, over `StationEvents`."""

    def __init__(self, events: StationEvents, clock: Clock) -> None:
        self._events = events
        self._clock = clock

    def boot_notification(self, endpoint: OcppEndpoint, p: Payload) -> Payload:
        info = BootInfo(
            vendor=p["chargePointVendor"],
            model=p["chargePointModel"],
            serial_number=p.get("chargePointSerialNumber") or p.get("chargeBoxSerialNumber"),
            firmware_version=p.get("firmwareVersion"),
            iccid=p.get("iccid"),
            imsi=p.get("imsi"),
            meter_type=p.get("meterType"),
            meter_serial_number=p.get("meterSerialNumber"),
        )
        return boot_answer(endpoint, self._events, self._clock, info)

    def status_notification(self, endpoint: OcppEndpoint, p: Payload) -> Payload:
        connector = p["connectorId"]
        # A 1.6 connector is a 2.0.1 EVSE with one connector; connector 0 is the whole station.
        self._events.connector_status(
            station(endpoint),
            ConnectorStatus(
                evse_id=connector,
                connector_id=1 if connector > 0 else 0,
                status=p["status"],
                error_code=p["errorCode"],
                info=p.get("info"),
                vendor_error_code=p.get("vendorErrorCode"),
                timestamp=p.get("timestamp"),
            ),
        )
        return {}

    def authorize(self, endpoint: OcppEndpoint, p: Payload) -> Payload:
        return {"idTagInfo": {"status": self._events.authorize(station(endpoint), p["idTag"])}}

    async def start_transaction(self, endpoint: OcppEndpoint, p: Payload) -> Payload:
        outcome = await self._events.transaction(
            station(endpoint),
            TransactionUpdate(
                phase=TransactionPhase.STARTED,
                timestamp=p["timestamp"],
                evse_id=p["connectorId"],
                connector_id=1,
                id_token=p["idTag"],
                meter_wh=float(p["meterStart"]),
            ),
        )
        return {
            "transactionId": int(outcome.transaction_ref),
            "idTagInfo": {"status": outcome.id_token_status or "Accepted"},
        }

    async def stop_transaction(self, endpoint: OcppEndpoint, p: Payload) -> Payload:
        outcome = await self._events.transaction(
            station(endpoint),
            TransactionUpdate(
                phase=TransactionPhase.ENDED,
                timestamp=p["timestamp"],
                transaction_ref=str(p["transactionId"]),
                id_token=p.get("idTag"),
                meter_wh=float(p["meterStop"]),
                reason=p.get("reason"),
            ),
        )
        if outcome.id_token_status is None:
            return {}
        return {"idTagInfo": {"status": outcome.id_token_status}}


def build_handlers(events: StationEvents, clock: Clock) -> dict[str, Handler]:
    handlers = Handlers16(events, clock)
    shared = build_shared_handlers(events, clock)
    return {
        **shared,
        "BootNotification": handlers.boot_notification,
        "StatusNotification": handlers.status_notification,
        "SignedFirmwareStatusNotification": shared["FirmwareStatusNotification"],
        "DiagnosticsStatusNotification": shared["LogStatusNotification"],
        "Authorize": handlers.authorize,
        "StartTransaction": handlers.start_transaction,
        "StopTransaction": handlers.stop_transaction,
    }
