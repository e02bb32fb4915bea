"""OCPP-J frames: parse what a station sends, encode what we send.

`parse_frame` never raises: every input becomes a message, a `FrameError` to answer with a
CALLERROR, or an `Ignored` to log and drop. That total function is what the hypothesis test checks.

Nesting is bounded: no OCPP schema nests more than a dozen levels, and everything downstream (schema
checks, redaction, the message log's encoder) walks what we decoded, so a frame deeper than
`MAX_NESTING` is refused here, whatever its depth (the decoder itself gives up near 1,000 levels).
"""

from dataclasses import dataclass
from typing import Any

import msgspec

from switchyard.protocol.dialect import Dialect

CALL, CALLRESULT, CALLERROR = 2, 3, 4
MAX_MESSAGE_ID = 36
UNREADABLE_ID = "-1"
# Arrays and objects inside one another, the frame's own array included.
MAX_NESTING = 32

_decode = msgspec.json.Decoder().decode
_encode = msgspec.json.Encoder().encode


@dataclass(slots=True)
class Call:
    message_id: str
    action: str
    payload: dict[str, Any]


@dataclass(slots=True)
class CallResult:
    message_id: str
    payload: dict[str, Any]


@dataclass(slots=True)
class CallErrorFrame:
    message_id: str
    code: str
    description: str
    details: dict[str, Any]


@dataclass(slots=True)
class FrameError:
    """Input that must be answered with a CALLERROR carrying `message_id` and `code`."""

    message_id: str
    code: str
    description: str


@dataclass(slots=True)
class Ignored:
    """Input that is logged and dropped: nothing is sent back."""

    reason: str
    # Set when the frame names a message id, so a pending call with that id can fail at once.
    message_id: str | None = None


Frame = Call | CallResult | CallErrorFrame | FrameError | Ignored


def readable_id(value: object) -> str | None:
    if type(value) is str and 0 < len(value) <= MAX_MESSAGE_ID:
        return value
    return None


def parse_frame(raw: bytes | memoryview | str, dialect: Dialect) -> Frame:
    try:
        message = _decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        return FrameError(UNREADABLE_ID, dialect.malformed_json, f"frame is not valid UTF-8 JSON: {exc}")
    except RecursionError:
        return FrameError(UNREADABLE_ID, dialect.malformed_json, _TOO_DEEP)
    if _may_nest_too_deep(raw) and nesting(message) > MAX_NESTING:
        return _too_deep(message, dialect)
    if type(message) is not list:
        return FrameError(UNREADABLE_ID, dialect.rpc_error, "frame must be a JSON array")
    size = len(message)
    if size < 2:
        return FrameError(UNREADABLE_ID, dialect.rpc_error, f"frame has {size} elements; at least 3 required")
    type_id, raw_id = message[0], message[1]
    message_id = readable_id(raw_id)
    answer_id = message_id or UNREADABLE_ID
    if type(type_id) is not int:
        return FrameError(answer_id, dialect.rpc_error, "MessageTypeId must be an integer")
    if type_id == CALL:
        if size != 4:
            return FrameError(answer_id, dialect.rpc_error, f"CALL must have 4 elements, got {size}")
        if message_id is None:
            return FrameError(UNREADABLE_ID, dialect.rpc_error, _bad_id(raw_id))
        action, payload = message[2], message[3]
        if type(action) is not str or not action:
            return FrameError(message_id, dialect.rpc_error, "CALL action must be a non-empty string")
        if type(payload) is not dict:
            return FrameError(message_id, dialect.format_violation, "CALL payload must be a JSON object")
        return Call(message_id, action, payload)
    if type_id == CALLRESULT:
        if message_id is None:
            return Ignored("CALLRESULT without a readable message id")
        if size != 3 or type(message[2]) is not dict:
            return Ignored("CALLRESULT must be [3, id, {payload}]", message_id)
        return CallResult(message_id, message[2])
    if type_id == CALLERROR:
        if message_id is None:
            return Ignored("CALLERROR without a readable message id")
        if size != 5:
            return Ignored(f"CALLERROR must have 5 elements, got {size}", message_id)
        code, description, details = message[2], message[3], message[4]
        if type(code) is not str or type(description) is not str or type(details) is not dict:
            return Ignored("CALLERROR elements have the wrong types", message_id)
        return CallErrorFrame(message_id, code, description, details)
    if dialect.unknown_message_type is None:
        return Ignored(f"unknown MessageTypeId {type_id}")
    return FrameError(answer_id, dialect.unknown_message_type, f"MessageTypeId {type_id} is not supported")


_TOO_DEEP = f"frame nests arrays and objects more than {MAX_NESTING} levels deep"


def _may_nest_too_deep(raw: bytes | memoryview | str) -> bool:
    """Whether the frame has enough brackets to be too deep: an exact check is only needed then."""
    if len(raw) <= 2 * MAX_NESTING:  # every level takes two brackets: heartbeats stop here
        return False
    if isinstance(raw, str):
        return raw.count("[") + raw.count("{") > MAX_NESTING
    data = raw if isinstance(raw, bytes) else bytes(raw)
    return data.count(b"[") + data.count(b"{") > MAX_NESTING


def nesting(value: Any) -> int:
    """How deep arrays and objects nest in a decoded JSON value (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if type(node) is dict:
            children: Any = node.values()
        elif type(node) is list:
            children = node
        else:
            continue
        if depth > deepest:
            deepest = depth
            if deepest > MAX_NESTING:
                return deepest  # enough to refuse it; no need to walk the rest
        stack.extend((child, depth + 1) for child in children if type(child) is dict or type(child) is list)
    return deepest


def _too_deep(message: Any, dialect: Dialect) -> Frame:
    """A CALL whose id can be read is answered under that id; an answer fails its pending call."""
    if type(message) is list and len(message) >= 2:
        message_id = readable_id(message[1])
        if message[0] == CALL and message_id is not None:
            return FrameError(message_id, dialect.format_violation, _TOO_DEEP)
        if message[0] in (CALLRESULT, CALLERROR) and message_id is not None:
            return Ignored(_TOO_DEEP, message_id)
    return FrameError(UNREADABLE_ID, dialect.malformed_json, _TOO_DEEP)


def _bad_id(raw_id: object) -> str:
    if type(raw_id) is str:
        if not raw_id:
            return "messageId must not be empty"
        return f"messageId is {len(raw_id)} characters; at most {MAX_MESSAGE_ID} allowed"
    return "messageId must be a string"


def encode_call(message_id: str, action: str, payload: dict[str, Any]) -> bytes:
    return _encode([CALL, message_id, action, payload])


def encode_result(message_id: str, payload: dict[str, Any]) -> bytes:
    return _encode([CALLRESULT, message_id, payload])


def encode_error(
    message_id: str,
    code: str,
    description: str,
    dialect: Dialect,
    details: dict[str, Any] | None = None,
) -> bytes:
    if dialect.max_description is not None and len(description) > dialect.max_description:
        description = description[: dialect.max_description - 1] + "…"
    return _encode([CALLERROR, message_id, code, description, details or {}])


def encode_json(value: Any) -> bytes:
    return _encode(value)


def decode_json(raw: bytes | str) -> Any:
    return _decode(raw)
