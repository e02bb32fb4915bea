"""How a station's answers reach the migration procedure: a CALLERROR to a change or a reset is the
station's refusal (it did not do it), a call that got no answer may have been carried out."""

from typing import Any

import pytest

from switchyard.clock import SystemClock
from switchyard.core.migration.execution import StationCommands
from switchyard.core.migration.methods import METHODS
from switchyard.core.migration.model import Confirmation, ConfirmationMode, MethodName, Target
from switchyard.core.migration.steps import (
    CallFailed,
    Command,
    Provisioned,
    ReadNetwork,
    Reset,
    ResetAnswered,
    SetPriority,
    WriteSlot,
    WriteSlotValue,
)
from switchyard.domain import ProvisionStatus, ResetKind, StationRef
from switchyard.errors import CallError, CallTimeout, StationCallFailed

M16 = METHODS[MethodName.NETWORK_PROFILE_16]
TARGET = Target("ws://csms-2.example.com/ocpp", 1, Confirmation(ConfirmationMode.EXTERNAL))
STATION = StationRef("s1", "CP-1", "1.6")


class Failing:
    """A station adapter whose every call fails with `error`."""

    def __init__(self, error: StationCallFailed) -> None:
        self.error = error

    def __getattr__(self, name: str) -> Any:
        async def call(*args: object, **kwargs: object) -> None:
            raise self.error

        return call


class NoUrls:
    def connected_url(self, identity: str) -> str | None:
        return None

    async def offered_slots(self, station_id: str) -> tuple[int, ...]:
        return ()


def callerror(code: str) -> CallError:
    return CallError("CP-1", "Any", code, "the station's words", {})


@pytest.mark.parametrize(
    ("command", "code", "expected"),
    [
        (WriteSlot(2, M16.profile(TARGET)), "InternalError", ProvisionStatus.REJECTED),
        (WriteSlot(2, M16.profile(TARGET)), "NotSupported", ProvisionStatus.NOT_SUPPORTED),
        (SetPriority((2, 1)), "InternalError", ProvisionStatus.REJECTED),
        (WriteSlotValue(2, ""), "NotSupported", ProvisionStatus.REJECTED),
    ],
)
async def test_a_callerror_to_a_change_is_the_station_refusing_it(
    command: Command, code: str, expected: ProvisionStatus
) -> None:
    commands = StationCommands(Failing(callerror(code)), NoUrls(), SystemClock(), 1.0)  # type: ignore[arg-type]
    answer = await commands.carry_out(STATION, command, M16)
    assert isinstance(answer, Provisioned)
    assert answer.status is expected
    assert answer.answer == {"error": code, "description": "the station's words"}


async def test_a_callerror_to_a_reset_is_a_refused_reset() -> None:
    commands = StationCommands(Failing(callerror("NotSupported")), NoUrls(), SystemClock(), 1.0)  # type: ignore[arg-type]
    answer = await commands.carry_out(STATION, Reset(ResetKind.HARD), M16)
    assert answer == ResetAnswered(answer.at, False, {"error": "NotSupported", "description": "the station's words"})  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("command", "error"),
    [
        (ReadNetwork(), callerror("InternalError")),
        (WriteSlot(2, M16.profile(TARGET)), CallTimeout("CP-1", "ChangeConfiguration", 1.0)),
        (Reset(ResetKind.HARD), CallTimeout("CP-1", "Reset", 1.0)),
    ],
)
async def test_a_failed_read_or_a_call_without_answer_is_a_call_failure(
    command: Command, error: StationCallFailed
) -> None:
    commands = StationCommands(Failing(error), NoUrls(), SystemClock(), 1.0)  # type: ignore[arg-type]
    answer = await commands.carry_out(STATION, command, M16)
    assert isinstance(answer, CallFailed)
