"""`ports.Presence` for the stations whose sockets this process holds."""

from datetime import UTC, datetime

from switchyard.gateway.server import Gateway


class LocalPresence:
    def __init__(self, gateway: Gateway) -> None:
        self._gateway = gateway

    @property
    def listening(self) -> bool:
        return self._gateway.listening

    def connected_count(self) -> int:
        return len(self._gateway.sessions)

    def last_seen(self, identity: str) -> datetime | None:
        connection = self._gateway.connection(identity)
        if connection is None:
            return None
        return datetime.fromtimestamp(connection.endpoint.last_seen, UTC)

    def connected_url(self, identity: str) -> str | None:
        connection = self._gateway.connection(identity)
        return None if connection is None else connection.endpoint.url
