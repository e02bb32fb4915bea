"""In-process publish/subscribe for station events.

Each topic carries one event type (`Topic[StationBooted]`…), so a subscriber is typed by what it
hears. Subscribers are plain callables run synchronously, in subscription order, by the publisher; a
subscriber that has slow work to do schedules it. A failing subscriber is logged and does not stop
the others, nor the publisher (the gateway must keep answering stations).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import structlog

from switchyard.domain import BootDecision, BootInfo, ReportPage, StationRecord

log = structlog.get_logger("switchyard.bus")


@dataclass(frozen=True, slots=True)
class StationEvent:
    station_id: str
    identity: str


@dataclass(frozen=True, slots=True)
class StationConnected(StationEvent):
    record: StationRecord


@dataclass(frozen=True, slots=True)
class StationDisconnected(StationEvent):
    pass


@dataclass(frozen=True, slots=True)
class StationBooted(StationEvent):
    info: BootInfo
    decision: BootDecision
    # The URL the station connected on, without its identity (`ws://host:port/ocpp`): a migrated
    # station may have come to its new URL or fallen back to its old one. None when not known.
    url: str | None = None


@dataclass(frozen=True, slots=True)
class ReportPageArrived(StationEvent):
    page: ReportPage


E = TypeVar("E", bound=StationEvent)


class Topic(Generic[E]):
    """A topic, and the type of the events published on it."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Topic({self.name!r})"


STATION_CONNECTED: Topic[StationConnected] = Topic("station.connected")
STATION_DISCONNECTED: Topic[StationDisconnected] = Topic("station.disconnected")
STATION_BOOTED: Topic[StationBooted] = Topic("station.booted")
REPORT_PAGE: Topic[ReportPageArrived] = Topic("station.report_page")


class LocalBus:
    def __init__(self) -> None:
        self._subscribers: dict[str, list[Callable[[Any], None]]] = {}

    def subscribe(self, topic: Topic[E], subscriber: Callable[[E], None]) -> None:
        self._subscribers.setdefault(topic.name, []).append(subscriber)

    def publish(self, topic: Topic[E], event: E) -> None:
        for subscriber in self._subscribers.get(topic.name, ()):
            try:
                subscriber(event)
            except Exception:
                log.exception("bus subscriber failed", topic=topic.name, identity=event.identity)
