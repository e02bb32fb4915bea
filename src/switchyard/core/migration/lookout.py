"""What is true of a station now, from the node's live sessions and the configuration store
(`arrival.StationLookout`, `execution.ConnectedUrls`)."""

from datetime import datetime
from typing import Protocol

from switchyard.ports import StationLink
from switchyard.ports.configuration import ConfigurationStore
from switchyard.protocol.v201.network_reads import PRIORITY


class SessionUrls(Protocol):
    def connected_url(self, identity: str) -> str | None: ...


class NodeLookout:
    def __init__(self, link: StationLink, sessions: SessionUrls, configuration: ConfigurationStore) -> None:
        self._link = link
        self._sessions = sessions
        self._configuration = configuration

    def is_connected(self, identity: str) -> bool:
        return self._link.is_connected(identity)

    def ready_in(self, identity: str) -> float | None:
        return self._link.ready_in(identity)

    def connected_url(self, identity: str) -> str | None:
        return self._sessions.connected_url(identity)

    async def booted_at(self, station_id: str) -> datetime | None:
        async with self._configuration.reading() as tx:
            lane = await tx.reported.lane(station_id)
        return lane.booted_at if lane is not None else None

    async def offered_slots(self, station_id: str) -> tuple[int, ...]:
        """The configuration slots a 2.0.1 station offers, from the valuesList of its
        NetworkConfigurationPriority in the last full report (empty when unknown)."""
        async with self._configuration.reading() as tx:
            rows = await tx.reported.rows(station_id, [PRIORITY.lower()])
        for row in rows:
            offered = (row.characteristics or {}).get("valuesList")
            if isinstance(offered, str):
                slots = [part.strip() for part in offered.split(",")]
                if all(part.isdigit() for part in slots):
                    return tuple(sorted({int(part) for part in slots}))
        return ()

    async def transaction_running(self, station_id: str) -> bool:
        async with self._configuration.reading() as tx:
            return await tx.stations.running_transaction(station_id) is not None
