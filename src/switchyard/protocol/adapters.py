"""Handler tables per OCPP version."""

from switchyard.clock import Clock
from switchyard.ports import StationEvents
from switchyard.protocol.dialect import OcppVersion
from switchyard.protocol.endpoint import Handler
from switchyard.protocol.v16.handlers import build_handlers as build_v16
from switchyard.protocol.v201.handlers import build_handlers as build_v201


def build_handler_tables(events: StationEvents, clock: Clock) -> dict[OcppVersion, dict[str, Handler]]:
    return {OcppVersion.V16: build_v16(events, clock), OcppVersion.V201: build_v201(events, clock)}
