"""`StationLink` for stations connected to this process."""

import time
from typing import Any

from switchyard.errors import InvalidRequest, NotConnected
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
        endpoint = connection.endpoint
        if endpoint.boot_status == "Rejected":
            # A Rejected station answers nothing until it boots again (1.6 §4.2.1, 2.0.1 B03).
            raise InvalidRequest(f"{action} not sent: {identity}'s BootNotification was rejected")
        if endpoint.boot_status == "Pending" and action in endpoint.dialect.forbidden_while_pending:
            raise InvalidRequest(f"{action} may not be sent while {identity} is Pending")
        return await endpoint.pipe.call(action, payload, timeout or self._default_timeout)

    def ready_in(self, identity: str) -> float | None:
        """Seconds until management calls may go to the station (0.0: now); None when it is not connected.

        After a (re)connect they wait for its BootNotification, or for the boot grace period when it
        does not send one (a station SHOULD NOT boot again on a mere reconnect); a Rejected station
        gets none until it boots again."""
        connection = self._gateway.connection(identity)
        if connection is None or connection.endpoint.pipe.closed:
            return None
        endpoint = connection.endpoint
        if endpoint.boot_status == "Rejected":
            return None
        return max(0.0, endpoint.ready_at - time.monotonic())

    def is_connected(self, identity: str) -> bool:
        # A session whose pipe is closed is being torn down: it takes no calls, so it is not connected
        # (callers that waited for it would otherwise try again at once, over and over).
        connection = self._gateway.connection(identity)
        return connection is not None and not connection.endpoint.pipe.closed
