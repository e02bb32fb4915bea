"""Station-initiated messages whose payloads are the same in OCPP 1.6 and 2.0.1."""

from collections.abc import Awaitable
from typing import Any

from switchyard.clock import Clock
from switchyard.domain import BootInfo, SecurityEvent, StationRecord
from switchyard.ports import StationEvents
from switchyard.protocol.endpoint import Handler, OcppEndpoint

Payload = dict[str, Any]


def station(endpoint: OcppEndpoint) -> StationRecord:
    """The station behind a connection (the gateway puts its record in the endpoint's context)."""
    return endpoint.context  # type: ignore[no-any-return]


def answer_after(pending: Awaitable[None] | None, answer: Payload) -> Payload | Awaitable[Payload]:
    """`answer` now, or once `pending` is done (the recorder made the handler wait for room)."""
    if pending is None:
        return answer

    async def later() -> Payload:
        await pending
        return answer

    return later()


def boot_answer(endpoint: OcppEndpoint, events: StationEvents, clock: Clock, info: BootInfo) -> Payload:
    """The BootNotification answer, the same in both versions: the decision, our time, the interval."""
    decision = events.booted(station(endpoint), info, endpoint.url)
    endpoint.boot_answered(decision.status.value)
    return {"status": decision.status.value, "currentTime": clock.now_text(), "interval": decision.interval}


def build_shared_handlers(events: StationEvents, clock: Clock) -> dict[str, Handler]:
    def heartbeat(endpoint: OcppEndpoint, p: Payload) -> Payload:
        return {"currentTime": clock.now_text()}

    def security_event_notification(endpoint: OcppEndpoint, p: Payload) -> Payload | Awaitable[Payload]:
        event = SecurityEvent(p["type"], p["timestamp"], p.get("techInfo"))
        return answer_after(events.security_event(station(endpoint), event), {})

    def firmware_status(endpoint: OcppEndpoint, p: Payload) -> Payload:
        events.firmware_status(station(endpoint), p["status"])
        return {}

    def log_status(endpoint: OcppEndpoint, p: Payload) -> Payload:
        events.diagnostics_status(station(endpoint), p["status"])
        return {}

    def recorded_only(endpoint: OcppEndpoint, p: Payload) -> Payload:
        # The message log keeps it; nothing else in Switchyard consumes it yet.
        return {}

    def data_transfer(endpoint: OcppEndpoint, p: Payload) -> Payload:
        return {"status": "UnknownVendorId"}

    return {
        "Heartbeat": heartbeat,
        "SecurityEventNotification": security_event_notification,
        "FirmwareStatusNotification": firmware_status,
        "LogStatusNotification": log_status,
        "MeterValues": recorded_only,
        "DataTransfer": data_transfer,
    }
