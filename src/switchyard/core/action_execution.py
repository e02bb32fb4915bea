"""What each action does on the wire, and what its answer means; the sequencer persists the outcome.

Every function here returns an `Outcome` instead of writing it, so the sequencer records an answer
in one transaction with its webhook event, and so the meaning of each station answer is tested
without a database.
"""

from dataclasses import dataclass
from typing import Any

from switchyard.core.action_targets import ResetTarget, SettingTarget
from switchyard.core.actions import Phase, Status
from switchyard.core.config_reader import ConfigurationReader
from switchyard.domain import ChangeResult, ChangeStatus, ResetResult, StationRef
from switchyard.errors import (
    CallError,
    CallTimeout,
    InvalidRequest,
    InvalidResponse,
    NotConnected,
    ReadFailed,
    StationCallError,
    StationCallFailed,
)
from switchyard.ports import Progress, StationControl
from switchyard.protocol.setting_names import same_value


@dataclass(slots=True)
class Outcome:
    """Where an action stands after a step: a new status (None: still requested) and phase."""

    phase: Phase
    status: Status | None = None
    response_data: dict[str, Any] | None = None
    value_after: str | None = None
    waiting_for: str | None = None
    # The station now needs a reboot before further changes (RebootRequired).
    reboot_pending: bool = False
    # A change reached the station: the spacing to the next change counts from now.
    changed: bool = False
    # The read-back shows a value other than the one sent.
    mismatch: bool = False
    # Values the station reported on the way (a read-back), to keep as its reported configuration.
    reported: dict[str, str | None] | None = None
    # The request never left (the connection was closing): nothing reached the station.
    not_sent: bool = False


def failed(reason: str, status: str | None = None) -> Outcome:
    data: dict[str, Any] = {"status": status} if status else {}
    data["reason"] = reason
    return Outcome(Phase.DONE, Status.FAILED, data)


def not_sent() -> Outcome:
    """The station went away before the request left: the action waits for it again."""
    return Outcome(Phase.QUEUED, waiting_for="the station is not connected", not_sent=True)


def call_failure(error: StationCallError, action: str) -> Outcome:
    """The reason an action failed because its call did not produce an answer."""
    if isinstance(error, CallTimeout):
        return failed(f"the station did not answer {action} within {error.timeout:g} s")
    if isinstance(error, NotConnected):
        return failed(f"the station disconnected before answering {action} ({error.reason})")
    if isinstance(error, CallError):
        return failed(f"the station answered {action} with CALLERROR {error.code}: {error.description}".rstrip(": "))
    if isinstance(error, InvalidResponse):
        return failed(f"the station's answer to {action} is not valid OCPP: {error.description}")
    return failed(f"{action} was not sent: {error}")


def _after_sending(outcome: Outcome) -> Outcome:
    # The request reached the station even though no usable answer came back: a station that did not
    # answer is the one most likely still busy with it, so the spacing to the next change applies.
    outcome.changed = True
    return outcome


class ActionExecution:
    def __init__(self, control: StationControl, reader: ConfigurationReader, call_timeout: float) -> None:
        self._control = control
        self._reader = reader
        self._timeout = call_timeout

    # -- configuration changes ----------------------------------------------------------------

    async def change(self, station: StationRef, target: SettingTarget, value: str) -> Outcome:
        """Send one change and, when the station accepts it, read the key back."""
        action = "the change"
        try:
            result: ChangeResult = await self._control.change(
                station, target.name, value, self._timeout, target.attribute
            )
        except NotConnected as error:
            if not error.sent:
                return not_sent()
            return _after_sending(call_failure(error, error.action))
        except InvalidRequest as error:  # refused before it left
            return call_failure(error, action)
        except StationCallFailed as error:
            return _after_sending(call_failure(error, error.action))

        response = result.answer
        if result.status is ChangeStatus.REBOOT_REQUIRED:
            return Outcome(
                Phase.AWAITING_REBOOT,
                Status.COMPLETED,
                response,
                waiting_for="the station must reboot for this value to take effect",
                reboot_pending=True,
                changed=True,
            )
        if result.status is ChangeStatus.ACCEPTED:
            outcome = await self.read_back(station, target, value, response)
            outcome.changed = True
            return outcome
        if result.status is ChangeStatus.REJECTED:
            return Outcome(Phase.DONE, Status.REJECTED, response)
        status = response["status"]
        return failed(f"the station answered the change with an unknown status {status!r}", status)

    async def read_back(
        self, station: StationRef, target: SettingTarget, value: str, response: dict[str, Any]
    ) -> Outcome:
        """Decide an accepted change by what the station now reports."""
        name = target.name
        if target.writeonly:
            # Nothing to read: a write-only key's acceptance is all the station can tell.
            return Outcome(Phase.DONE, Status.COMPLETED, response)
        try:
            values = await self._reader.read_values(station, [name], self._timeout, target.attribute, store=False)
        except NotConnected:
            # The station's answer is kept: the read-back after it reconnects (or the expiry) reports it.
            return Outcome(
                Phase.READING_BACK,
                response_data=response,
                waiting_for="the read-back waits for the station to reconnect",
            )
        except StationCallError as error:
            reason = call_failure(error, "the read-back").response_data or {}
            return failed(f"the station accepted {name}={value} but {reason.get('reason')}", response.get("status"))
        reported = values.get(name)
        kept = values if target.is_actual else None
        if same_value(target.kind, value, reported, station.ocpp_version):
            return Outcome(Phase.DONE, Status.COMPLETED, response, value_after=reported, reported=kept)
        shown = "nothing (the key is unknown to it)" if reported is None else reported
        outcome = failed(f"station accepted {name}={value} but reports {shown}", response.get("status"))
        outcome.value_after = reported
        outcome.mismatch = True
        outcome.reported = kept
        return outcome

    async def decide_unanswered(self, station: StationRef, target: SettingTarget, value: str) -> Outcome:
        """A change was being sent when the node stopped: the read-back decides whether to send it again."""
        if target.writeonly:
            # Sending a write-only value again is the only way to know it is set, and it is idempotent.
            return Outcome(Phase.QUEUED, waiting_for="resending: the node stopped before the station answered")
        outcome = await self.read_back(
            station, target, value, {"status": "Accepted", "note": "decided by read-back after a restart"}
        )
        if outcome.phase is Phase.READING_BACK:
            # Gone before the read-back: still undecided (no answer was ever seen), not "accepted".
            return Outcome(Phase.SENDING, waiting_for="the station is not connected")
        if outcome.mismatch:
            # Not applied: the station either never got it or refused it; sending it once more is safe.
            return Outcome(Phase.QUEUED, waiting_for="resending: the read-back shows the change was not applied")
        return outcome

    async def confirm_after_reboot(
        self, station: StationRef, targets: list[SettingTarget]
    ) -> dict[tuple[str, str], str | None] | Outcome:
        """The values of keys changed with RebootRequired, read once the station has rebooted, by
        (name, attribute type): a MaxSet change is confirmed by the MaxSet value, not the Actual one."""
        by_attribute: dict[str, list[str]] = {}
        for target in targets:
            if not target.writeonly:
                by_attribute.setdefault(target.attribute, []).append(target.name)
        values: dict[tuple[str, str], str | None] = {}
        try:
            for attribute, names in by_attribute.items():
                read = await self._reader.read_values(station, names, self._timeout, attribute)
                values.update(((name, attribute), value) for name, value in read.items())
            return values
        except NotConnected:
            return Outcome(Phase.AWAITING_REBOOT, waiting_for="the confirmation waits for the station to reconnect")
        except StationCallError as error:
            return call_failure(error, "the read-back after the reboot")

    # -- reads and resets ---------------------------------------------------------------------

    async def read(self, station: StationRef, read_timeout: float, progress: Progress | None = None) -> Outcome:
        try:
            settings = await self._reader.read(station, read_timeout, progress)
        except NotConnected as error:
            return call_failure(error, "the configuration read") if error.sent else not_sent()
        except StationCallError as error:
            return call_failure(error, "the configuration read")
        except ReadFailed as error:
            return failed(str(error))
        return Outcome(Phase.DONE, Status.COMPLETED, {"status": "Accepted", "keys": len(settings)})

    async def reset(self, station: StationRef, target: ResetTarget) -> Outcome:
        try:
            result: ResetResult = await self._control.reset(station, target.kind, self._timeout)
        except NotConnected as error:
            return call_failure(error, "Reset") if error.sent else not_sent()
        except StationCallError as error:
            return call_failure(error, "Reset")
        return Outcome(Phase.DONE, Status.COMPLETED if result.accepted else Status.REJECTED, result.answer)
