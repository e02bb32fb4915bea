"""What Switchyard knows of stations before a migration asks them anything (preflight's first round):
online, a reboot pending, busy in another procedure, and, for a peer target, whether the peer takes them."""

import asyncio
from collections.abc import Collection, Sequence

from switchyard.core.actions import ActionType
from switchyard.core.migration.model import ConfirmationMode, Target
from switchyard.core.migration.peer import PeerPool, PeerUnavailable, peer_problem
from switchyard.core.migration.preflight import Candidate
from switchyard.ports import StationLink
from switchyard.ports.configuration import ConfigurationStore
from switchyard.ports.fleet_jobs import FleetJobStore
from switchyard.ports.registry import RegisteredStation

# Jobs that hold a station for the length of their procedure.
PROCEDURE_KINDS = ("migration", "inbound-migration")
PEER_QUESTIONS_AT_ONCE = 10


class CandidateFacts:
    def __init__(
        self, link: StationLink, configuration: ConfigurationStore, fleet: FleetJobStore, peers: PeerPool
    ) -> None:
        self._link = link
        self._peers = peers
        self._configuration = configuration
        self._fleet = fleet

    def connected(self, identity: str) -> bool:
        return self._link.is_connected(identity)

    async def gather(
        self, stations: Sequence[RegisteredStation], target: Target, except_job: str | None = None
    ) -> list[Candidate]:
        ids = [s.id for s in stations]
        async with self._fleet.reading() as tx:
            busy = dict(await tx.busy_stations(ids, PROCEDURE_KINDS))
        if except_job is not None:
            busy = {station: job for station, job in busy.items() if job != except_job}
        pending, changing = await self._lanes(ids)
        peers = await self._ask_peer(stations, target)
        return [
            Candidate(
                station_id=s.id,
                identity=s.identity,
                ocpp_version=s.ocpp_version,
                security_profile=s.security_profile,
                connected=self._link.is_connected(s.identity),
                reboot_pending=s.id in pending,
                busy_in=_busy(busy.get(s.id), changing.get(s.id)),
                peer_problem=peers.get(s.id),
            )
            for s in stations
        ]

    async def _lanes(self, ids: Collection[str]) -> tuple[set[str], dict[str, int]]:
        pending: set[str] = set()
        changing: dict[str, int] = {}
        async with self._configuration.reading() as tx:
            rebooting = await tx.reported.rebooting()
            with_open = await tx.actions.stations_with_open()
            for station_id in ids:
                if station_id in rebooting:
                    lane = await tx.reported.lane(station_id)
                    if lane is not None and lane.reboot_pending:
                        pending.add(station_id)
                if station_id in with_open:
                    # A configuration read (the one every boot queues) changes nothing: it does not hold
                    # the station; changes and resets do.
                    actions = await tx.actions.open_for(station_id)
                    held = sum(1 for action in actions if action.type != ActionType.GET_CONFIGURATION.value)
                    if held:
                        changing[station_id] = held
        return pending, changing

    async def _ask_peer(self, stations: Sequence[RegisteredStation], target: Target) -> dict[str, str]:
        confirmation = target.confirmation
        if confirmation.mode is not ConfirmationMode.PEER or not confirmation.api_url or not confirmation.api_key:
            return {}
        gate = asyncio.Semaphore(PEER_QUESTIONS_AT_ONCE)
        peer = self._peers.client(confirmation.api_url, confirmation.api_key)

        async def ask(station: RegisteredStation) -> tuple[str, str | None]:
            async with gate:
                try:
                    return station.id, peer_problem(await peer.station(station.identity))
                except PeerUnavailable as exc:
                    return station.id, str(exc)

        answers = await asyncio.gather(*(ask(s) for s in stations))
        return {station_id: problem for station_id, problem in answers if problem is not None}


def _busy(job: str | None, actions: int | None) -> str | None:
    if job is not None:
        return f"fleet job {job}"
    if actions:
        plural = "s" if actions != 1 else ""
        return f"{actions} configuration change{plural} or reset{plural} under way"
    return None
