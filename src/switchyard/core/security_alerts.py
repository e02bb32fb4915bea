"""What Switchyard itself notices about a station's security, told to its operator.

When refused logins take a known station past its free failures (gateway/throttle.py), the station
gets a security event of the OCPP type `FailedToAuthenticateAtCsms` (the one a station would report
itself), and its operator a webhook event `chargestation.logins_throttled`, in one transaction.
An address that trips without a known station behind it is only logged: no tenant owns it.
"""

import asyncio

import structlog

from switchyard.clock import Clock
from switchyard.core.webhooks.outbox import new_event
from switchyard.domain import LoginsThrottled, SecurityEvent
from switchyard.ports.security import SecurityAlertLog

log = structlog.get_logger("switchyard.security")

EVENT_TYPE = "chargestation.logins_throttled"
OCPP_TYPE = "FailedToAuthenticateAtCsms"
# Writes that may wait at once; alerts past this are only logged (the throttle already acts).
_MAX_WRITING = 100


class SecurityAlerts:
    def __init__(self, store: SecurityAlertLog, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._writing: set[asyncio.Task[None]] = set()

    def logins_throttled(self, alert: LoginsThrottled) -> None:
        station = alert.station
        if station is None or len(self._writing) >= _MAX_WRITING:
            return
        task = asyncio.get_running_loop().create_task(self._record(alert))
        self._writing.add(task)
        task.add_done_callback(self._writing.discard)

    async def drain(self) -> None:
        if self._writing:
            await asyncio.gather(*self._writing, return_exceptions=True)

    async def _record(self, alert: LoginsThrottled) -> None:
        station = alert.station
        assert station is not None
        now = self._clock.now()
        key = f"address {alert.source}" if alert.by == "source" else "identity"
        text = (
            f"Switchyard refused {alert.failures} logins in a row by {key}; "
            f"the next attempt is looked at in {alert.retry_after:g} s"
        )
        try:
            announce = new_event(
                operator_id=station.operator_id,
                station_id=station.station_id,
                event_type=EVENT_TYPE,
                data={
                    "chargestation": station.station_id,
                    "identity": station.identity,
                    "by": alert.by,
                    "source": alert.source,
                    "failures": alert.failures,
                    "retryAfter": alert.retry_after,
                    "message": text,
                },
                now=now,
            )
            event = SecurityEvent(OCPP_TYPE, now.isoformat(), text[:255])
            await self._store.record(station.station_id, event, now, announce)
        except Exception:
            log.exception("recording a login alert failed", identity=station.identity)
