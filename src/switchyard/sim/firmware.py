"""What differs between a 1.6 and a 2.0.1 simulated station, behind one interface the station uses."""

import asyncio
from typing import TYPE_CHECKING, Any, Protocol

from switchyard.protocol.dialect import Dialect
from switchyard.protocol.endpoint import Handler
from switchyard.sim.network import Target

if TYPE_CHECKING:
    from switchyard.sim.station import SimulatedStation


class Firmware(Protocol):
    dialect: Dialect

    def handlers(self) -> dict[str, Handler]: ...

    def boot_payload(self, reason: str) -> dict[str, Any]: ...

    def status_payloads(self, status: str) -> list[dict[str, Any]]: ...

    def basic_credentials(self) -> bytes | None:
        """`identity:password` for the Authorization header, or None without a password."""
        ...

    def network_candidates(self) -> list[Target]: ...

    def attempts_per_slot(self) -> int: ...

    def connected_on(self, target: Target) -> None: ...

    def reboot(self) -> None:
        """Apply what waited for a reboot."""
        ...

    def value(self, name: str) -> str | None: ...

    async def start_transaction(self, connector: int, id_token: str) -> str: ...

    async def stop_transaction(self, connector: int, reference: str, reason: str) -> None: ...

    def transaction_ended(self) -> None: ...

    def state(self) -> dict[str, Any]: ...

    def restore(self, state: dict[str, Any]) -> None: ...


def build_firmware(station: "SimulatedStation") -> Firmware:
    from switchyard.sim.firmware16 import Firmware16
    from switchyard.sim.firmware201 import Firmware201

    return Firmware16(station) if station.spec.ocpp == "1.6" else Firmware201(station)


def after_reply(station: "SimulatedStation", delay: float = 0.0, work: Any = None) -> None:
    """Run `work` once the current answer has gone out (handlers answer first, act after)."""

    async def later() -> None:
        await asyncio.sleep(delay)
        await work

    def closed(_: Any) -> None:
        # Stopped before `work` ran (the station stopped right after answering, perhaps before this task
        # took its first step): close it, or it is a coroutine never awaited. A finished one closes as a no-op.
        if asyncio.iscoroutine(work):
            work.close()

    station.spawn(later()).add_done_callback(closed)


def trigger(station: "SimulatedStation", requested: str) -> dict[str, Any]:
    """TriggerMessage: the messages both versions can be asked for."""
    if requested == "BootNotification":
        after_reply(station, 0.0, station.call("BootNotification", station.firmware.boot_payload("Triggered")))
    elif requested == "Heartbeat":
        after_reply(station, 0.0, station.call("Heartbeat", {}))
    elif requested == "StatusNotification":
        after_reply(station, 0.0, send_statuses(station, "Available"))
    else:
        return {"status": "NotImplemented"}
    return {"status": "Accepted"}


async def send_statuses(station: "SimulatedStation", status: str) -> None:
    for payload in station.firmware.status_payloads(status):
        await station.call("StatusNotification", payload)
