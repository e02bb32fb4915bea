"""What Switchyard does when stations report: boot policy, live state, transactions policy.

Everything here is synchronous except transactions (which need an id from the database), so the
gateway can answer a station without waiting on storage; the recorder persists the facts. Security
events and report pages wait only when the recorder is congested (store/recorder.py).

Text from a station is stored as it came, except NUL characters, which PostgreSQL cannot store in
text columns: they become U+FFFD.
"""

from collections.abc import Awaitable
from typing import Any

from switchyard.bus.local import REPORT_PAGE, STATION_BOOTED, LocalBus, ReportPageArrived, StationBooted
from switchyard.clock import Clock
from switchyard.core.baseline import heartbeat_interval_at_boot
from switchyard.domain import (
    BootDecision,
    BootInfo,
    BootStatus,
    ConnectorStatus,
    RegistrationState,
    ReportPage,
    SecurityEvent,
    StationRecord,
    TransactionOutcome,
    TransactionUpdate,
)
from switchyard.ports import ActivityRecords, TransactionLedger
from switchyard.protocol.redaction import redact
from switchyard.settings import Settings

_BOOT_STATUS = {
    RegistrationState.ACCEPTED: BootStatus.ACCEPTED,
    RegistrationState.PENDING: BootStatus.PENDING,
    RegistrationState.REJECTED: BootStatus.REJECTED,
}


class StationActivity:
    """Implements `switchyard.ports.StationEvents`."""

    def __init__(
        self,
        settings: Settings,
        recorder: ActivityRecords,
        transactions: TransactionLedger,
        clock: Clock,
        bus: LocalBus | None = None,
    ) -> None:
        self._settings = settings
        self._bus = bus or LocalBus()
        self._recorder = recorder
        self._transactions = transactions
        self._clock = clock

    def booted(self, station: StationRecord, info: BootInfo, url: str | None = None) -> BootDecision:
        status = _BOOT_STATUS[station.registration_state]
        interval = (
            heartbeat_interval_at_boot(station, self._settings.heartbeat_interval)
            if status is BootStatus.ACCEPTED
            else self._settings.boot_retry_interval
        )
        station.last_boot_status = status.value
        reported = {
            "vendor": _text(info.vendor),
            "model": _text(info.model),
            "firmware_version": _text(info.firmware_version),
            "iccid": _text(info.iccid),
            "imsi": _text(info.imsi),
            "meter_type": _text(info.meter_type),
            "meter_serial_number": _text(info.meter_serial_number),
        }
        if station.serial_number is None and info.serial_number:
            station.serial_number = _text(info.serial_number)
            reported["serial_number"] = station.serial_number
        self._recorder.station(
            station.station_id,
            **reported,
            last_boot_at=self._clock.now(),
            last_boot_reason=info.reason,
            last_boot_status=status.value,
        )
        decision = BootDecision(status, interval)
        self._bus.publish(STATION_BOOTED, StationBooted(station.station_id, station.identity, info, decision, url))
        return decision

    def connector_status(self, station: StationRecord, status: ConnectorStatus) -> None:
        self._recorder.connector(
            station.station_id,
            status.evse_id,
            status.connector_id,
            status=status.status,
            error_code=status.error_code,
            info=_text(status.info),
            vendor_error_code=_text(status.vendor_error_code),
            reported_at=_text(status.timestamp),
            updated_at=self._clock.now(),
        )

    def security_event(self, station: StationRecord, event: SecurityEvent) -> Awaitable[None] | None:
        row = {
            "station_id": station.station_id,
            "type": _text(event.type),
            "timestamp": _text(event.timestamp),
            "tech_info": _text(event.tech_info),
            "received_at": self._clock.now(),
        }
        if self._recorder.congested:
            return self._when_room(self._recorder.security_event, row)
        self._recorder.security_event(row)
        return None

    def firmware_status(self, station: StationRecord, status: str) -> None:
        self._recorder.station(station.station_id, firmware_status=status)

    def diagnostics_status(self, station: StationRecord, status: str) -> None:
        self._recorder.station(station.station_id, diagnostics_status=status)

    def report_page(self, station: StationRecord, page: ReportPage) -> Awaitable[None] | None:
        row = {
            "station_id": station.station_id,
            "request_id": page.request_id,
            "seq_no": page.seq_no,
            "tbc": page.tbc,
            "generated_at": page.generated_at,
            # Kept as reported, except secrets (a firmware may report its BasicAuthPassword anyway).
            "report_data": redact("NotifyReport", {"reportData": page.report_data})["reportData"],
            "received_at": self._clock.now(),
        }
        event = ReportPageArrived(station.station_id, station.identity, page)
        if self._recorder.congested:
            return self._when_room(self._recorder.report_page, row, event)
        self._bus.publish(REPORT_PAGE, event)
        self._recorder.report_page(row)
        return None

    async def _when_room(self, record: Any, row: dict[str, Any], event: ReportPageArrived | None = None) -> None:
        await self._recorder.wait_for_room()
        if event is not None:
            self._bus.publish(REPORT_PAGE, event)
        record(row)

    def authorize(self, station: StationRecord, id_token: str) -> str:
        return "Accepted" if self._settings.authorize_policy == "accept" else "Invalid"

    async def transaction(self, station: StationRecord, update: TransactionUpdate) -> TransactionOutcome:
        ref = await self._transactions.apply(station.station_id, update, self._clock.now())
        status = self.authorize(station, update.id_token) if update.id_token is not None else None
        return TransactionOutcome(ref, status)


def _text(value: str | None) -> str | None:
    return value.replace("\x00", "\ufffd") if value is not None and "\x00" in value else value
