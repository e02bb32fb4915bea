"""What a station's migration procedure hears (events) and asks for (commands).

The procedure (`procedure.py`) is pure: the driver (`driver.py`) carries out the commands through the
station adapters and feeds the answers back as events, persisting the procedure between the two.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from switchyard.domain import NetworkProfile, ProvisionStatus, ResetKind
from switchyard.station_network import InstalledCertificate, NetworkPicture

# -- commands: what the driver does next ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReadNetwork:
    certificates: bool = False


@dataclass(frozen=True, slots=True)
class WriteSlot:
    slot: int
    profile: NetworkProfile


@dataclass(frozen=True, slots=True)
class ReadSlot:
    slot: int


@dataclass(frozen=True, slots=True)
class WriteSlotValue:
    """1.6: put a slot key back to what it held (an old URL, or "" to blank it)."""

    slot: int
    value: str


@dataclass(frozen=True, slots=True)
class SetPriority:
    slots: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class WaitUntilIdle:
    pass


@dataclass(frozen=True, slots=True)
class Reset:
    kind: ResetKind


@dataclass(frozen=True, slots=True)
class AwaitArrival:
    pass


@dataclass(frozen=True, slots=True)
class Announce:
    """A webhook event `chargestation.migration.<name>` with the station's state."""

    name: str
    data: dict[str, Any] = field(default_factory=dict)


Command = (
    ReadNetwork | WriteSlot | ReadSlot | WriteSlotValue | SetPriority | WaitUntilIdle | Reset | AwaitArrival | Announce
)


# -- events: what happened -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Event:
    at: datetime


@dataclass(frozen=True, slots=True)
class Begin(Event):
    pass


@dataclass(frozen=True, slots=True)
class NetworkRead(Event):
    picture: NetworkPicture
    certificates: list[InstalledCertificate] | None = None


@dataclass(frozen=True, slots=True)
class Provisioned(Event):
    """The station's answer to WriteSlot, WriteSlotValue or SetPriority."""

    status: ProvisionStatus
    answer: dict[str, Any]


@dataclass(frozen=True, slots=True)
class SlotRead(Event):
    value: str | None


@dataclass(frozen=True, slots=True)
class Idle(Event):
    pass


@dataclass(frozen=True, slots=True)
class ResetAnswered(Event):
    accepted: bool
    answer: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CallFailed(Event):
    """A call got no answer we can use: a timeout, the station gone, an answer that does not validate (a
    CALLERROR to a change or a reset is the station's refusal: `Provisioned`, `ResetAnswered`)."""

    error: str


@dataclass(frozen=True, slots=True)
class Departed(Event):
    """The station left this CSMS after the reset."""


@dataclass(frozen=True, slots=True)
class Arrived(Event):
    """Seen at the target: its boot there (same deployment, peer) or the confirm call (external)."""

    by: str


@dataclass(frozen=True, slots=True)
class StillHere(Event):
    """Connected here and not booted since the reset was asked for, whose answer never came (the node
    stopped while sending it): the reset was not carried out."""


@dataclass(frozen=True, slots=True)
class CameBack(Event):
    """Booted at this CSMS, on the old endpoint, after the reset."""


@dataclass(frozen=True, slots=True)
class DeadlinePassed(Event):
    pass


@dataclass(frozen=True, slots=True)
class CancelRequested(Event):
    pass


@dataclass(frozen=True, slots=True)
class RollbackRequested(Event):
    pass
