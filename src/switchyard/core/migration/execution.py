"""Carrying out a procedure's station commands through the station adapters, each answered as an event.

A call that gets no usable answer (timeout, the station gone, a bad answer) is `CallFailed` with what
went wrong: the procedure decides what that means at its step. A CALLERROR to a change or a reset is
an answer: the station did not do it (OCPP-J: the request could not be processed), so it is a refusal
with the station's words, not a lost answer whose change may have been made.
"""

from dataclasses import replace
from datetime import datetime
from typing import Protocol

from switchyard.clock import Clock
from switchyard.core.migration.methods import Method
from switchyard.core.migration.station_watch import same_endpoint
from switchyard.core.migration.steps import (
    CallFailed,
    Command,
    Event,
    NetworkRead,
    Provisioned,
    ReadNetwork,
    ReadSlot,
    Reset,
    ResetAnswered,
    SetPriority,
    SlotRead,
    WriteSlot,
    WriteSlotValue,
)
from switchyard.domain import CertificateKind, ChangeStatus, ProvisionStatus, StationRef
from switchyard.errors import CallError, InvalidRequest, ReadFailed, StationCallFailed
from switchyard.ports import StationControl
from switchyard.station_network import InstalledCertificate, NetworkPicture

_CHANGED = {
    ChangeStatus.ACCEPTED: ProvisionStatus.ACCEPTED,
    ChangeStatus.REBOOT_REQUIRED: ProvisionStatus.REBOOT_REQUIRED,
    ChangeStatus.REJECTED: ProvisionStatus.REJECTED,
    ChangeStatus.UNKNOWN: ProvisionStatus.UNKNOWN,
}


class StationFacts(Protocol):
    def connected_url(self, identity: str) -> str | None:
        """The URL the station's live session connected on (None: no session here, or unknown)."""
        ...

    async def offered_slots(self, station_id: str) -> tuple[int, ...]:
        """The configuration slots the station offers, as its last report said (empty: unknown)."""
        ...


class StationCommands:
    def __init__(self, control: StationControl, urls: StationFacts, clock: Clock, timeout: float) -> None:
        self._control = control
        self._urls = urls
        self._clock = clock
        self._timeout = timeout

    async def carry_out(self, station: StationRef, command: Command, method: Method) -> Event | None:
        """The station's answer to `command` as an event; None for commands that are not station calls."""
        try:
            return await self._call(station, command, method)
        except CallError as exc:
            return _refusal(command, exc, self._clock.now()) or CallFailed(self._clock.now(), _why(exc))
        except (StationCallFailed, ReadFailed, InvalidRequest) as exc:
            return CallFailed(self._clock.now(), _why(exc))

    async def _call(self, station: StationRef, command: Command, method: Method) -> Event | None:
        timeout = self._timeout
        if isinstance(command, ReadNetwork):
            picture = await self.read_network(station)
            certificates = await self.installed_roots(station) if command.certificates else None
            return NetworkRead(self._clock.now(), picture, certificates)
        if isinstance(command, WriteSlot):
            result = await self._control.set_network_profile(station, command.slot, command.profile, timeout)
            return Provisioned(self._clock.now(), result.status, result.answer)
        if isinstance(command, ReadSlot):
            picture = await self._control.read_network(station, timeout)
            return SlotRead(self._clock.now(), picture.slots.get(command.slot))
        if isinstance(command, WriteSlotValue):
            setting = method.slot_setting(command.slot)
            changed = await self._control.change(station, setting, command.value, timeout)
            return Provisioned(self._clock.now(), _CHANGED[changed.status], changed.answer)
        if isinstance(command, SetPriority):
            result = await self._control.set_connection_priority(station, command.slots, timeout)
            return Provisioned(self._clock.now(), result.status, result.answer)
        if isinstance(command, Reset):
            reset = await self._control.reset(station, command.kind, timeout)
            return ResetAnswered(self._clock.now(), reset.accepted, reset.answer)
        return None

    async def installed_roots(self, station: StationRef) -> list[InstalledCertificate] | None:
        return await self._control.installed_ca_certificates(station, CertificateKind.CSMS_ROOT, self._timeout)

    async def read_network(self, station: StationRef) -> NetworkPicture:
        """The picture, with the slots a 2.0.1 station offers (from its last report), and the slot in use
        worked out from the URL the station connected on when it does not say (1.6): after a fallback
        the first slot in the priority is not the one in use."""
        picture = await self._control.read_network(station, self._timeout)
        if not picture.slots:
            # 2.0.1 slots cannot be read back, but the report says which exist (B09.FR.05's valuesList).
            offered = await self._urls.offered_slots(station.station_id)
            if offered:
                picture = replace(picture, slots=dict.fromkeys(offered))
        if picture.active_slot is not None:
            return picture
        url = self._urls.connected_url(station.identity)
        if url is None:
            return picture
        for slot, value in picture.slots.items():
            if value and same_endpoint(url, value):
                return _with_active(picture, slot)
        return picture


def _refusal(command: Command, exc: CallError, at: datetime) -> Event | None:
    """A CALLERROR to a change or a reset as the station's refusal; None for reads."""
    answer = {"error": exc.code, "description": exc.description}
    if isinstance(command, WriteSlot) and exc.code in ("NotImplemented", "NotSupported"):
        return Provisioned(at, ProvisionStatus.NOT_SUPPORTED, answer)
    if isinstance(command, WriteSlot | WriteSlotValue | SetPriority):
        return Provisioned(at, ProvisionStatus.REJECTED, answer)
    if isinstance(command, Reset):
        return ResetAnswered(at, False, answer)
    return None


def _with_active(picture: NetworkPicture, slot: int) -> NetworkPicture:
    return replace(picture, active_slot=slot)


def _why(exc: Exception) -> str:
    message = getattr(exc, "message", None) or str(exc) or exc.__class__.__name__
    return f"{exc.__class__.__name__}: {message}"
