"""Every frame a simulated station sends is checked against the official schemas.

The endpoint already refuses to send a CALL or CALLRESULT that fails its schema; this audit checks
again, independently, at the last moment before a frame leaves, and keeps the count and any failure
for the whole process. The test suite asserts at its end that nothing failed.
"""

from dataclasses import dataclass, field
from typing import Any

from switchyard.protocol.framing import CALL, CALLERROR, CALLRESULT
from switchyard.protocol.schemas import schema_set

ERROR_CODES = {
    "1.6": {
        "NotImplemented",
        "NotSupported",
        "InternalError",
        "ProtocolError",
        "SecurityError",
        "FormationViolation",
        "PropertyConstraintViolation",
        "OccurenceConstraintViolation",
        "TypeConstraintViolation",
        "GenericError",
    },
    "2.0.1": {
        "FormatViolation",
        "GenericError",
        "InternalError",
        "MessageTypeNotSupported",
        "NotImplemented",
        "NotSupported",
        "OccurrenceConstraintViolation",
        "PropertyConstraintViolation",
        "ProtocolError",
        "RpcFrameworkError",
        "SecurityError",
        "TypeConstraintViolation",
    },
}


@dataclass
class FrameAudit:
    checked: int = 0
    failures: list[str] = field(default_factory=list)

    def check(self, version: str, message_type: int, action: str | None, payload: Any) -> None:
        self.checked += 1
        problem = self._problem(version, message_type, action, payload)
        if problem is not None:
            self.failures.append(f"OCPP {version} {action or '?'} (type {message_type}): {problem}")

    @staticmethod
    def _problem(version: str, message_type: int, action: str | None, payload: Any) -> str | None:
        schemas = schema_set(version)
        if message_type == CALL:
            if action not in schemas.requests:
                return "not an action of this version"
            violation = schemas.check_request(action, payload)
            return None if violation is None else violation.description
        if message_type == CALLRESULT:
            if action not in schemas.responses:
                return "answer to an unknown action"
            violation = schemas.check_response(action, payload)
            return None if violation is None else violation.description
        if message_type == CALLERROR:
            code = payload.get("errorCode") if isinstance(payload, dict) else None
            return None if code in ERROR_CODES[version] else f"error code {code!r} is not one of this version"
        return f"a station never sends message type {message_type}"


# One per process: every simulated station reports here.
AUDIT = FrameAudit()
