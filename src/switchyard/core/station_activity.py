"""What Switchyard does when stations report: boot policy, live state, transactions policy.

Everything here is synchronous except transactions (which need an id from the database), so the
gateway can answer a station without waiting on storage; the recorder persists the facts.
"""

from switchyard.bus.local import REPORT_PAGE, STATION_BOOTED, LocalBus, StationEvent
from switchyard.clock import Clock
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
from switchyard.settings import Settings
from switchyard.store.recorder import Recorder
from switchyard.store.transactions import TransactionStore

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
        recorder: Recorder,
        transactions: TransactionStore,
        clock: Clock,
        bus: LocalBus | None = None,
    ) -> None:
        self._settings = settings
        self._bus = bus or LocalBus()
        self._recorder = recorder
        self._transactions = transactions
        self._clock = clock

    def booted(self, station: StationRecord, info: BootInfo) -> BootDecision:
        status = _BOOT_STATUS[station.registration_state]
        interval = (
            self._settings.heartbeat_interval if status is BootStatus.ACCEPTED else self._settings.boot_retry_interval
        )
        station.last_boot_status = status.value
        reported = {
            "vendor": info.vendor,
            "model": info.model,
            "firmware_version": info.firmware_version,
            "iccid": info.iccid,
            "imsi": info.imsi,
            "meter_type": info.meter_type,
            "meter_serial_number": info.meter_serial_number,
        }
        if station.serial_number is None and info.serial_number:
            station.serial_number = info.serial_number
            reported["serial_number"] = info.serial_number
        self._recorder.station(
            station.station_id,
            **reported,
            last_boot_at=self._clock.now(),
            last_boot_reason=info.reason,
            last_boot_status=status.value,
        )
        decision = BootDecision(status, interval)
        self._bus.publish(STATION_BOOTED, StationEvent(station.station_id, station.identity, (info, decision)))
        return decision

    def connector_status(self, station: StationRecord, status: ConnectorStatus) -> None:
        self._recorder.connector(
            station.station_id,
            status.evse_id,
            status.connector_id,
            status=status.status,
            error_code=status.error_code,
            info=status.info,
            vendor_error_code=status.vendor_error_code,
            reported_at=status.timestamp,
            updated_at=self._clock.now(),
        )

    def security_event(self, station: StationRecord, event: SecurityEvent) -> None:
        self._recorder.security_event(
            {
                "station_id": station.station_id,
                "type": event.type,
                "timestamp": event.timestamp,
                "tech_info": event.tech_info,
                "received_at": self._clock.now(),
            }
        )

    def firmware_status(self, station: StationRecord, status: str) -> None:
        self._recorder.station(station.station_id, firmware_status=status)

    def diagnostics_status(self, station: StationRecord, status: str) -> None:
        self._recorder.station(station.station_id, diagnostics_status=status)

    def report_page(self, station: StationRecord, page: ReportPage) -> None:
        self._bus.publish(REPORT_PAGE, StationEvent(station.station_id, station.identity, page))
        self._recorder.report_page(
            {
                "station_id": station.station_id,
                "request_id": page.request_id,
                "seq_no": page.seq_no,
                "tbc": page.tbc,
                "generated_at": page.generated_at,
                "report_data": page.report_data,
                "received_at": self._clock.now(),
            }
        )

    def authorize(self, station: StationRecord, id_token: str) -> str:
        return "Accepted" if self._settings.authorize_policy == "accept" else "Invalid"

    async def transaction(self, station: StationRecord, update: TransactionUpdate) -> TransactionOutcome:
        ref = await self._transactions.apply(station.station_id, update, self._clock.now())
        status = self.authorize(station, update.id_token) if update.id_token is not None else None
        return TransactionOutcome(ref, status)
