"""One error tree for Switchyard: everything it raises on purpose is a `SwitchyardError`.

API routes translate `DomainError` subclasses to HTTP statuses; a call to a station raises the
`StationCallError` family, so callers can tell a payload we refused to send (`InvalidRequest`) from a
station's refusal, a timeout or an absent socket (`StationCallFailed`). Refusals of a station's
upgrade, CALLERRORs of our handlers, bad secret keys and startup failures live next to the code that
raises them, under this base.
"""

from typing import Any


class SwitchyardError(Exception):
    """Base of every error Switchyard raises on purpose."""


class DomainError(SwitchyardError):
    """A request that cannot be carried out; `message` says exactly why."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    status_code = 400


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class Unauthorized(DomainError):
    status_code = 401


class Forbidden(DomainError):
    status_code = 403


class TooManyRequests(DomainError):
    """A bound on how much one caller may ask for at once (or per second) was reached."""

    status_code = 429

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class StationCallError(SwitchyardError):
    """A CSMS-initiated call to a station went wrong: before it was sent, or after."""


class StationCallFailed(StationCallError):
    """A CSMS-initiated call did not produce a valid response."""

    def __init__(self, identity: str, action: str, message: str) -> None:
        super().__init__(f"{action} to {identity}: {message}")
        self.identity = identity
        self.action = action


class NotConnected(StationCallFailed):
    """No socket to the station; `sent` tells whether the call went out before the connection closed."""

    def __init__(
        self, identity: str, action: str, reason: str = "station is not connected", *, sent: bool = False
    ) -> None:
        super().__init__(identity, action, reason)
        self.reason = reason
        self.sent = sent


class CallTimeout(StationCallFailed):
    def __init__(self, identity: str, action: str, timeout: float) -> None:
        super().__init__(identity, action, f"no response within {timeout:g} s")
        self.timeout = timeout


class CallError(StationCallFailed):
    """The station answered with a CALLERROR."""

    def __init__(self, identity: str, action: str, code: str, description: str, details: dict[str, Any]) -> None:
        super().__init__(identity, action, f"CALLERROR {code}: {description}")
        self.code = code
        self.description = description
        self.details = details


class InvalidResponse(StationCallFailed):
    """The station answered, but the CALLRESULT does not validate against the official schema."""

    def __init__(self, identity: str, action: str, code: str, description: str) -> None:
        super().__init__(identity, action, f"invalid response ({code}): {description}")
        self.code = code
        self.description = description


class InvalidRequest(StationCallError):
    """A CSMS-initiated call whose own payload does not validate; nothing was sent."""


class ReadFailed(SwitchyardError):
    """A station's configuration could not be read in full; the message says what was missing."""
