"""`StationLink` for stations connected to this process."""

from typing import Any

from switchyard.errors import NotConnected
from switchyard.gateway.server import Gateway


class LocalStationLink:
    def __init__(self, gateway: Gateway, default_timeout: float) -> None:
        self._gateway = gateway
        self._default_timeout = default_timeout

    async def call(
        self, identity: str, action: str, payload: dict[str, Any], timeout: float | None = None
    ) -> dict[str, Any]:
        connection = self._gateway.connection(identity)
        if connection is None:
            raise NotConnected(identity, action)
        return await connection.endpoint.pipe.call(action, payload, timeout or self._default_timeout)

    def is_connected(self, identity: str) -> bool:
        # A session whose pipe is closed is being torn down: it takes no calls, so it is not connected
        # (callers that waited for it would otherwise try again at once, over and over).
        connection = self._gateway.connection(identity)
        return connection is not None and not connection.endpoint.pipe.closed
