"""How one kind of station is moved: the 1.6 vendor keys of seed 000, and 2.0.1 SetNetworkProfile (B09/B10).

A method answers the questions the procedure asks, from the station's network picture: which slot the
target goes into, the priority after it, how to reset, whether the slot can be read back, how to clean
the old slot up, and why a station that came back did so. Another vendor's method is another class
with these answers, added to `METHODS`.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from switchyard.core.migration.model import MethodName, Target
from switchyard.domain import NetworkProfile, ProfileProtocol, ResetKind
from switchyard.errors import InvalidInput, InvalidRequest
from switchyard.station_network import NetworkPicture


@dataclass(frozen=True, slots=True)
class SlotChoice:
    slot: int | None
    # Why no slot could be chosen (None when one was).
    problem: str | None = None


class Method(Protocol):
    name: MethodName
    ocpp_version: str
    reset_kind: ResetKind
    # The station holds the reset until no transaction runs (2.0.1 OnIdle); otherwise we wait for idle.
    station_waits_for_idle: bool
    # The slot's value can be read back after it is written (1.6 keys can; 2.0.1 slots cannot).
    reads_slot_back: bool
    # The longest target URL the station can store.
    url_limit: int
    # The method asks the station which CSMS root certificates it has.
    lists_certificates: bool

    def choose_slot(self, picture: NetworkPicture) -> SlotChoice: ...

    def profile(self, target: Target) -> NetworkProfile: ...

    def explain_fallback(self, before: NetworkPicture, after: NetworkPicture, slot: int) -> str: ...

    def slot_setting(self, slot: int) -> str:
        """The setting that holds a slot's URL, for methods whose slots are settings (`reads_slot_back`)."""
        ...


def new_priority(before: Sequence[int], slot: int) -> tuple[int, ...]:
    """The target slot first, then the slots tried before, in their old order (the fallback)."""
    return (slot, *(s for s in before if s != slot))


class NetworkProfile16:
    """Seed 000: NetworkConnectionProfile1/2 hold URLs; NetworkConfigurationPriority orders them; Hard reset."""

    name = MethodName.NETWORK_PROFILE_16
    ocpp_version = "1.6"
    reset_kind = ResetKind.HARD
    station_waits_for_idle = False
    reads_slot_back = True
    # ChangeConfiguration.value is CiString500.
    url_limit = 500
    lists_certificates = False

    def choose_slot(self, picture: NetworkPicture) -> SlotChoice:
        # The slot listed first is the one in use (seed 000 step 2), unless the URL the station connected
        # on says otherwise (after a fallback); the target goes into another.
        active = picture.active_slot if picture.active_slot is not None else picture.first
        if active is None:
            return SlotChoice(None, "NetworkConfigurationPriority names no slot, so the slot in use is unknown")
        others = [slot for slot in sorted(picture.slots) if slot != active]
        if not others:
            return SlotChoice(None, f"no free network slot: the station has only slot {active}, which is in use")
        return SlotChoice(others[0])

    def profile(self, target: Target) -> NetworkProfile:
        return NetworkProfile(target.url, ProfileProtocol.OCPP16, target.security_profile, target.interface)

    def slot_setting(self, slot: int) -> str:
        return f"NetworkConnectionProfile{slot}"

    def explain_fallback(self, before: NetworkPicture, after: NetworkPicture, slot: int) -> str:
        written = after.slots.get(slot)
        if after.first != slot:
            return (
                f"NetworkConfigurationPriority is {_names16(after.priority)}, not slot {slot} first: "
                "the station did not keep the new priority"
            )
        if written is not None and written != before.slots.get(slot) and written != "":
            return (
                f"slot {slot} ({written}) is first but the station could not connect to it within "
                f"{_timeout16(after)} and went back to slot {after.priority[1] if len(after.priority) > 1 else '?'}"
            )
        return f"slot {slot} no longer holds the target URL (it holds {written!r})"


class SetNetworkProfile201:
    """B09/B10: SetNetworkProfile into a free slot, OCPPCommCtrlr.NetworkConfigurationPriority, Reset OnIdle."""

    name = MethodName.SET_NETWORK_PROFILE_201
    ocpp_version = "2.0.1"
    reset_kind = ResetKind.SOFT
    station_waits_for_idle = True
    reads_slot_back = False
    # NetworkConnectionProfileType.ocppCsmsUrl in the 2.0.1 schema.
    url_limit = 512
    lists_certificates = True

    def choose_slot(self, picture: NetworkPicture) -> SlotChoice:
        used = set(picture.priority)
        if picture.active_slot is not None:
            used.add(picture.active_slot)
        if picture.slots:
            free = [slot for slot in sorted(picture.slots) if slot not in used]
            if not free:
                return SlotChoice(None, f"no free network slot: slots {sorted(picture.slots)} are all in the priority")
            return SlotChoice(free[0])
        # The station did not say which slots exist: the next number after those in use. A slot it does
        # not have is rejected with InvalidConfSlot before anything is stored (B09.FR.05).
        return SlotChoice(max(used, default=0) + 1)

    def profile(self, target: Target) -> NetworkProfile:
        return NetworkProfile(
            target.url,
            ProfileProtocol.OCPP20,
            target.security_profile,
            target.interface,
            message_timeout=target.message_timeout,
        )

    def explain_fallback(self, before: NetworkPicture, after: NetworkPicture, slot: int) -> str:
        order = ",".join(str(s) for s in after.priority) or "empty"
        if after.first != slot:
            return f"NetworkConfigurationPriority is {order}, not slot {slot} first: the station did not keep it"
        attempts = after.connection_attempts
        tries = f"{attempts} attempt{'s' if attempts != 1 else ''}" if attempts is not None else "its attempts"
        active = f"slot {after.active_slot}" if after.active_slot is not None else "an older slot"
        return f"slot {slot} is first but failed {tries}; the station fell back to {active} (B10.FR.07)"

    def slot_setting(self, slot: int) -> str:
        raise InvalidRequest("an OCPP 2.0.1 network slot is written whole, with SetNetworkProfile")


METHODS: dict[MethodName, Method] = {
    MethodName.NETWORK_PROFILE_16: NetworkProfile16(),
    MethodName.SET_NETWORK_PROFILE_201: SetNetworkProfile201(),
}


def method_for(name: MethodName, ocpp_version: str) -> Method:
    """The method to use for a station of `ocpp_version`; `auto` picks by version."""
    if name is MethodName.AUTO:
        for method in METHODS.values():
            if method.ocpp_version == ocpp_version:
                return method
        raise InvalidInput(f"no migration method for OCPP {ocpp_version}")
    method = METHODS[name]
    if method.ocpp_version != ocpp_version:
        raise InvalidInput(f"method {name.value} moves OCPP {method.ocpp_version} stations, not OCPP {ocpp_version}")
    return method


def _names16(priority: Sequence[int]) -> str:
    return ",".join(f"NetworkConnectionProfile{slot}" for slot in priority) or "empty"


def _timeout16(picture: NetworkPicture) -> str:
    seconds = picture.connection_timeout
    return f"NetworkProfileConnectionTimeoutSec ({seconds} s)" if seconds is not None else "its connection timeout"
