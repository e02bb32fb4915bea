"""Waiting for a station: for it to be idle before a reset, and for it to arrive (or come back) after.

What a station does is turned into the procedure's events: a boot at the target URL of this deployment
is `Arrived`, any other boot here after the reset is `CameBack`, a disconnection is `Departed`, and a
station that reconnects here without booting after a reset whose answer was lost is `StillHere`. A peer
target is polled for a boot after the reset. Past the deadline it is `DeadlinePassed`.

After a restart the events of the downtime are gone, so `await_arrival` first looks at what is true now
(connected here? booted since the reset? on which URL?), then listens.
"""

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

import structlog

from switchyard.clock import Clock
from switchyard.core.migration.job_spec import MigrationSpec
from switchyard.core.migration.model import ConfirmationMode, Step, Target
from switchyard.core.migration.peer import PeerPool, PeerSwitchyard, PeerUnavailable, booted_after
from switchyard.core.migration.state import Procedure
from switchyard.core.migration.station_watch import BOOTED, CONNECTED, DISCONNECTED, Seen, StationWatch, same_endpoint
from switchyard.core.migration.steps import Arrived, CameBack, DeadlinePassed, Departed, Idle, StillHere
from switchyard.domain import StationRef

log = structlog.get_logger("switchyard.migration")
_WAITING = (Step.RESET, Step.AWAIT_ARRIVAL)


class StationLookout(Protocol):
    """What is true of a station now, for a procedure that was not listening (or is about to)."""

    def is_connected(self, identity: str) -> bool: ...

    def ready_in(self, identity: str) -> float | None:
        """Seconds until calls may be sent (0.0: now; None: not connected here)."""
        ...

    def connected_url(self, identity: str) -> str | None: ...

    async def booted_at(self, station_id: str) -> datetime | None:
        """When the station last booted at this deployment, as recorded."""
        ...

    async def transaction_running(self, station_id: str) -> bool: ...


class StationProfiles(Protocol):
    """The security profile this deployment admits a station with, around a same-deployment upgrade."""

    async def before_reset(self, station: StationRef, target: Target) -> None:
        """Admit the station on the target's profile too, before it reconnects with it."""
        ...

    async def settle(self, station: StationRef, target: Target, procedure: Procedure) -> None:
        """The procedure ended: keep the target's profile if it arrived with it, else the old one."""
        ...


class ArrivalWatch:
    def __init__(
        self,
        watch: StationWatch,
        lookout: StationLookout,
        clock: Clock,
        poll_seconds: float,
        still_here_grace: float,
        peers: PeerPool,
    ) -> None:
        self._watch = watch
        self._lookout = lookout
        self._clock = clock
        self._poll = poll_seconds
        self._grace = still_here_grace
        self._peers = peers

    def watch(
        self, station: StationRef, spec: MigrationSpec, current: Callable[[], Procedure], inbox: asyncio.Queue[Any]
    ) -> Callable[[], None]:
        """Translate what the station does into events while the procedure waits for it."""
        checks: set[asyncio.Task[None]] = set()

        def seen(event: Seen) -> None:
            procedure = current()
            if procedure.step not in _WAITING or procedure.reset_at is None or event.at < procedure.reset_at:
                return
            if event.what == DISCONNECTED:
                inbox.put_nowait(Departed(event.at))
            elif event.what == BOOTED:
                inbox.put_nowait(_boot_event(spec.target, event.url, event.at))
            elif event.what == CONNECTED and not procedure.reset_answered:
                task = asyncio.create_task(self._still_here(station, spec, procedure, inbox))
                checks.add(task)
                task.add_done_callback(checks.discard)

        stop = self._watch.watch(station.identity, seen)

        def stop_all() -> None:
            stop()
            for task in checks:
                task.cancel()

        return stop_all

    async def until_ready(self, station: StationRef, limit: float) -> None:
        """Until calls may go to the station (connected and booted, or past its boot grace), at most
        `limit` seconds: a procedure resumed after a restart waits for its station to come back."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + limit
        # Sessions come and go in the gateway, which has no event for "ready"; asking again is the bound.
        while (wait := self._lookout.ready_in(station.identity)) != 0.0 and loop.time() < give_up:  # noqa: ASYNC110
            await asyncio.sleep(0.25 if wait is None else min(wait, 0.25))

    async def until_idle(self, station: StationRef, inbox: asyncio.Queue[Any]) -> None:
        # Transactions end in the store (the recorder writes them); asking it again is the simple bound.
        while await self._lookout.transaction_running(station.station_id):  # noqa: ASYNC110
            await asyncio.sleep(self._poll)
        inbox.put_nowait(Idle(self._clock.now()))

    async def await_arrival(
        self, station: StationRef, spec: MigrationSpec, procedure: Procedure, inbox: asyncio.Queue[Any]
    ) -> None:
        reset_at = procedure.reset_at or self._clock.now()
        deadline = reset_at + timedelta(seconds=spec.target.confirmation.deadline_seconds)
        await self._catch_up(station, spec, procedure, inbox, grace=False)
        confirmation = spec.target.confirmation
        peer = None
        if confirmation.mode is ConfirmationMode.PEER and confirmation.api_url and confirmation.api_key:
            peer = self._peers.client(confirmation.api_url, confirmation.api_key)
        while (left := (deadline - self._clock.now()).total_seconds()) > 0:
            if peer is not None and await self._peer_saw_boot(peer, station, reset_at):
                inbox.put_nowait(Arrived(self._clock.now(), "a boot at the target Switchyard"))
                return
            await asyncio.sleep(min(self._poll, left))
        inbox.put_nowait(DeadlinePassed(self._clock.now()))

    async def _peer_saw_boot(self, peer: PeerSwitchyard, station: StationRef, reset_at: datetime) -> bool:
        try:
            return booted_after(await peer.station(station.identity), reset_at)
        except PeerUnavailable as exc:
            log.warning("target Switchyard not reachable; asking again", identity=station.identity, reason=str(exc))
            return False

    async def _still_here(
        self, station: StationRef, spec: MigrationSpec, procedure: Procedure, inbox: asyncio.Queue[Any]
    ) -> None:
        await self._catch_up(station, spec, procedure, inbox, grace=True)

    async def _catch_up(
        self, station: StationRef, spec: MigrationSpec, procedure: Procedure, inbox: asyncio.Queue[Any], grace: bool
    ) -> None:
        """What is true now: booted here since the reset (arrived, or came back), or here and not booted
        since a reset whose answer was lost (it was never carried out)."""
        if grace or not procedure.reset_answered:
            # A station that reconnects boots first thing if it rebooted: give its boot time to be recorded.
            await asyncio.sleep(self._grace)
        if procedure.reset_at is None or not self._lookout.is_connected(station.identity):
            return
        booted = await self._lookout.booted_at(station.station_id)
        now = self._clock.now()
        if booted is not None and booted > procedure.reset_at:
            inbox.put_nowait(_boot_event(spec.target, self._lookout.connected_url(station.identity), now))
        elif not procedure.reset_answered:
            inbox.put_nowait(StillHere(now))


def _boot_event(target: Target, url: str | None, at: datetime) -> Arrived | CameBack:
    here = target.confirmation.mode is ConfirmationMode.SAME_DEPLOYMENT
    if here and same_endpoint(url, target.url):
        return Arrived(at, f"a boot at {url}")
    return CameBack(at)
