"""How a simulated station shows its faults (sim/faults.py): the CSMS's calls answered late, with a
CALLERROR, or never, a connection that drops by itself, and a new CSMS it cannot reach.

`CallFaults` wraps the firmware's handlers for one connection; the answers it holds back forever are
let go when that connection ends.
"""

import asyncio
import errno
import random
from typing import Any

from switchyard.protocol.endpoint import Handler, HandlerError, OcppEndpoint
from switchyard.sim.faults import Faults
from switchyard.sim.network import Target
from switchyard.ws_messages import OcppMessages


class CallFaults:
    """The faults a station shows answering the CSMS's calls."""

    def __init__(self) -> None:
        # Answers that never come (ignored or lost calls), cancelled when the connection ends.
        self._silent: set[asyncio.Future[dict[str, Any]]] = set()

    def wrap(self, handlers: dict[str, Handler], faults: Faults) -> dict[str, Handler]:
        """The firmware's handlers as this station's faults answer them."""
        if not (faults.ignore or faults.lose or faults.call_errors or faults.answer_delay):
            return handlers
        return {action: self._faulty(action, handler, faults) for action, handler in handlers.items()}

    def connection_ended(self) -> None:
        for future in self._silent:
            future.cancel()
        self._silent.clear()

    def _faulty(self, action: str, handler: Handler, faults: Faults) -> Handler:
        def wrapped(endpoint: OcppEndpoint, payload: dict[str, Any]) -> Any:
            if action in faults.ignore:
                return self._never()
            if action in faults.lose:
                return self._lost(handler, endpoint, payload)
            if action in faults.call_errors:
                raise HandlerError(faults.call_errors[action], f"simulated fault answering {action}")
            if faults.answer_delay:
                return _late(faults.answer_delay, handler, endpoint, payload)
            return handler(endpoint, payload)

        return wrapped

    def _never(self) -> "asyncio.Future[dict[str, Any]]":
        never: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._silent.add(never)
        return never

    async def _lost(self, handler: Handler, endpoint: OcppEndpoint, payload: dict[str, Any]) -> dict[str, Any]:
        """Do what the call asks, but never answer it."""
        result = handler(endpoint, payload)
        if not isinstance(result, dict):
            await result
        return await self._never()


async def _late(delay: float, handler: Handler, endpoint: OcppEndpoint, payload: dict[str, Any]) -> dict[str, Any]:
    await asyncio.sleep(delay)
    result = handler(endpoint, payload)
    return result if isinstance(result, dict) else await result


async def drop_connection(faults: Faults, socket: OcppMessages) -> None:
    """Close the connection after `flap` seconds, or at a random moment (`drop`, per minute)."""
    if faults.flap_seconds:
        await asyncio.sleep(faults.flap_seconds)
        socket.close()
        return
    if faults.drop_per_minute:
        await asyncio.sleep(random.expovariate(faults.drop_per_minute / 60.0))
        socket.close()


def refuse_unreachable(faults: Faults, target: Target, last_good: Target | None, starting_url: str) -> None:
    """`fallback`: an OSError, as a real unreachable network gives, for any CSMS but the last one reached.

    Raised before any socket is opened, so each refusal is one connection attempt the station's route
    counts (NetworkProfileConnectionAttempts per slot) without a CSMS ever seeing it.
    """
    if not faults.fallback:
        return
    if last_good is None:
        # No connection yet in this process (a start or a simulator restart): where it was installed.
        reachable = target.url == starting_url
    else:
        reachable = (target.slot, target.url) == (last_good.slot, last_good.url)
    if not reachable:
        raise OSError(errno.ENETUNREACH, f"{target.url} is unreachable from this station (fallback fault)")
