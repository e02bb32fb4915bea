"""What stations do while a procedure waits for them: boots, connections and disconnections, routed
from the node's bus to the procedures that watch each station (one bus subscription per node)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from switchyard.bus.local import (
    STATION_BOOTED,
    STATION_CONNECTED,
    STATION_DISCONNECTED,
    LocalBus,
    StationBooted,
    StationConnected,
    StationDisconnected,
)
from switchyard.clock import Clock


@dataclass(frozen=True, slots=True)
class Seen:
    """Something a watched station did, when, and (for a boot) on which URL it connected."""

    what: str  # "booted", "connected" or "disconnected"
    at: datetime
    url: str | None = None


BOOTED, CONNECTED, DISCONNECTED = "booted", "connected", "disconnected"
Watcher = Callable[[Seen], None]


class StationWatch:
    def __init__(self, bus: LocalBus, clock: Clock) -> None:
        self._clock = clock
        self._watchers: dict[str, list[Watcher]] = {}
        bus.subscribe(STATION_BOOTED, self._booted)
        bus.subscribe(STATION_CONNECTED, self._connected)
        bus.subscribe(STATION_DISCONNECTED, self._disconnected)

    def watch(self, identity: str, watcher: Watcher) -> Callable[[], None]:
        """Call `watcher` with what the station does from now on; returns the call that stops it."""
        self._watchers.setdefault(identity, []).append(watcher)

        def stop() -> None:
            watchers = self._watchers.get(identity, [])
            if watcher in watchers:
                watchers.remove(watcher)
            if not watchers:
                self._watchers.pop(identity, None)

        return stop

    def _tell(self, identity: str, seen: Seen) -> None:
        for watcher in list(self._watchers.get(identity, ())):
            watcher(seen)

    def _booted(self, event: StationBooted) -> None:
        if event.identity in self._watchers:
            self._tell(event.identity, Seen(BOOTED, self._clock.now(), event.url))

    def _connected(self, event: StationConnected) -> None:
        if event.identity in self._watchers:
            self._tell(event.identity, Seen(CONNECTED, self._clock.now()))

    def _disconnected(self, event: StationDisconnected) -> None:
        if event.identity in self._watchers:
            self._tell(event.identity, Seen(DISCONNECTED, self._clock.now()))


def same_endpoint(connected: str | None, target: str) -> bool:
    """Whether the URL a station connected on is the target URL: scheme, host and port compared without
    case, the path as given (a trailing slash aside). Unknown (None) is not the target."""
    if connected is None:
        return False
    a, b = urlsplit(connected), urlsplit(target)
    return (
        a.scheme.lower() == b.scheme.lower()
        and (a.hostname or "").lower() == (b.hostname or "").lower()
        and _port(a.scheme, a.port) == _port(b.scheme, b.port)
        and a.path.rstrip("/") == b.path.rstrip("/")
    )


def _port(scheme: str, port: int | None) -> int:
    if port is not None:
        return port
    return 443 if scheme.lower() == "wss" else 80
