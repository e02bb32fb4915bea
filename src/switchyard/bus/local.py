"""In-process publish/subscribe for station events.

Subscribers are plain callables run synchronously, in subscription order, by the publisher; a
subscriber that has slow work to do schedules it. A failing subscriber is logged and does not stop
the others, nor the publisher (the gateway must keep answering stations).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog

log = structlog.get_logger("switchyard.bus")

STATION_CONNECTED = "station.connected"
STATION_DISCONNECTED = "station.disconnected"
STATION_BOOTED = "station.booted"
REPORT_PAGE = "station.report_page"


@dataclass(frozen=True, slots=True)
class StationEvent:
    station_id: str
    identity: str
    detail: Any = None


Subscriber = Callable[[StationEvent], None]


class LocalBus:
    def __init__(self) -> None:
        self._subscribers: dict[str, list[Subscriber]] = {}

    def subscribe(self, topic: str, subscriber: Subscriber) -> None:
        self._subscribers.setdefault(topic, []).append(subscriber)

    def publish(self, topic: str, event: StationEvent) -> None:
        for subscriber in self._subscribers.get(topic, ()):
            try:
                subscriber(event)
            except Exception:
                log.exception("bus subscriber failed", topic=topic, identity=event.identity)
