"""OCPP-J framing: what each malformed input becomes, per version (docs/protocol-errors.md)."""

import json

import pytest

from switchyard.protocol.dialect import V16, V201, Dialect
from switchyard.protocol.framing import (
    Call,
    CallErrorFrame,
    CallResult,
    FrameError,
    Ignored,
    encode_error,
    nesting,
    parse_frame,
)

LONG_ID = "x" * 37


@pytest.mark.parametrize(
    ("raw", "dialect", "expected"),
    [
        # not JSON at all: nobody can read an id
        ("{not json", V16, FrameError("-1", "FormationViolation", "")),
        ("{not json", V201, FrameError("-1", "RpcFrameworkError", "")),
        (b"\xff\xfe[2]", V201, FrameError("-1", "RpcFrameworkError", "")),
        # JSON but not an RPC array
        ('{"a": 1}', V16, FrameError("-1", "ProtocolError", "")),
        ('{"a": 1}', V201, FrameError("-1", "RpcFrameworkError", "")),
        ("[]", V201, FrameError("-1", "RpcFrameworkError", "")),
        ("[2]", V16, FrameError("-1", "ProtocolError", "")),
        # the id can be read, so it is echoed
        ('[2, "m1", "Heartbeat"]', V16, FrameError("m1", "ProtocolError", "")),
        ('[2, "m1", "Heartbeat"]', V201, FrameError("m1", "RpcFrameworkError", "")),
        ('[2, "m1", "Heartbeat", {}, 5]', V201, FrameError("m1", "RpcFrameworkError", "")),
        ('["2", "m1", "Heartbeat", {}]', V201, FrameError("m1", "RpcFrameworkError", "")),
        ('[true, "m1", "Heartbeat", {}]', V16, FrameError("m1", "ProtocolError", "")),
        # ids: too long, not a string, empty
        (f'[2, "{LONG_ID}", "Heartbeat", {{}}]', V16, FrameError("-1", "ProtocolError", "")),
        (f'[2, "{LONG_ID}", "Heartbeat", {{}}]', V201, FrameError("-1", "RpcFrameworkError", "")),
        ('[2, 17, "Heartbeat", {}]', V201, FrameError("-1", "RpcFrameworkError", "")),
        ('[2, "", "Heartbeat", {}]', V201, FrameError("-1", "RpcFrameworkError", "")),
        # action and payload shapes
        ('[2, "m1", 5, {}]', V201, FrameError("m1", "RpcFrameworkError", "")),
        ('[2, "m1", "Heartbeat", []]', V16, FrameError("m1", "FormationViolation", "")),
        ('[2, "m1", "Heartbeat", null]', V201, FrameError("m1", "FormatViolation", "")),
        # unknown message types: ignored in 1.6, MessageTypeNotSupported in 2.0.1
        ('[7, "m1", "Heartbeat", {}]', V16, Ignored("")),
        ('[7, "m1", "Heartbeat", {}]', V201, FrameError("m1", "MessageTypeNotSupported", "")),
        ('[6, "m1", "NotifyPeriodicEventStream", {}]', V201, FrameError("m1", "MessageTypeNotSupported", "")),
    ],
)
def test_malformed_frames(raw: str | bytes, dialect: Dialect, expected: FrameError | Ignored) -> None:
    parsed = parse_frame(raw, dialect)
    assert type(parsed) is type(expected)
    if isinstance(expected, FrameError):
        assert isinstance(parsed, FrameError)
        assert (parsed.message_id, parsed.code) == (expected.message_id, expected.code)
        assert parsed.description, "every CALLERROR says what was wrong"


def test_well_formed_messages() -> None:
    assert parse_frame('[2, "a", "Heartbeat", {}]', V16) == Call("a", "Heartbeat", {})
    assert parse_frame('[3, "a", {"currentTime": "x"}]', V201) == CallResult("a", {"currentTime": "x"})
    assert parse_frame('[4, "a", "NotSupported", "nope", {}]', V16) == CallErrorFrame("a", "NotSupported", "nope", {})


@pytest.mark.parametrize(
    "raw",
    ['[3, "a", []]', '[3, "a"]', '[4, "a", "X", "y"]', '[4, "a", 1, "y", {}]', "[3, 5, {}]", '[4, null, "X", "", {}]'],
)
def test_malformed_answers_are_dropped_not_answered(raw: str) -> None:
    """A CALLERROR in reply to a CALLRESULT would be a protocol violation of its own."""
    assert isinstance(parse_frame(raw, V201), Ignored)


def test_malformed_answer_with_readable_id_names_it() -> None:
    parsed = parse_frame('[3, "abc", "not an object"]', V16)
    assert isinstance(parsed, Ignored)
    assert parsed.message_id == "abc"


def test_201_descriptions_are_cut_to_255_characters() -> None:
    frame = json.loads(encode_error("m", "FormatViolation", "y" * 400, V201))
    assert len(frame[3]) == 255
    assert frame == [4, "m", "FormatViolation", frame[3], {}]
    assert len(json.loads(encode_error("m", "FormationViolation", "y" * 400, V16))[3]) == 400


def _nested(depth: int) -> str:
    """A DataTransfer CALL whose `data` (free-form in 2.0.1) nests `depth` arrays."""
    return '[2, "deep", "DataTransfer", {"vendorId": "v", "data": ' + "[" * depth + "]" * depth + "}]"


@pytest.mark.parametrize("dialect", [V16, V201], ids=["1.6", "2.0.1"])
@pytest.mark.parametrize("depth", [31, 100, 489, 491, 998, 1000, 5000, 100_000])
def test_a_frame_nested_too_deep_gets_a_callerror_at_any_depth(dialect: Dialect, depth: int) -> None:
    """Regression: a frame nested 490-1000 levels (about 1 KB) passed the decoder and overflowed the
    redaction walk; deeper ones made the decoder raise RecursionError. Either closed the session with
    1011 and logged a 156 KB traceback. Now the frame gets a CALLERROR, under its id when readable."""
    parsed = parse_frame(_nested(depth), dialect)
    assert isinstance(parsed, FrameError)
    assert "more than 32 levels deep" in parsed.description
    if depth < 990:  # the decoder reads it whole, so the id is known
        assert (parsed.message_id, parsed.code) == ("deep", dialect.format_violation)
    else:  # the decoder gives up before the id can be trusted
        assert (parsed.message_id, parsed.code) == ("-1", dialect.malformed_json)


def test_nesting_up_to_the_limit_is_read() -> None:
    assert isinstance(parse_frame(_nested(30), V201), Call)  # frame + payload + 30 = 32 levels
    assert nesting([[], {"a": [[]]}]) == 4
    assert nesting("x") == 0


def test_an_answer_nested_too_deep_fails_its_call_without_an_answer() -> None:
    parsed = parse_frame('[3, "ours", {"x": ' + "[" * 40 + "]" * 40 + "}]", V16)
    assert isinstance(parsed, Ignored)
    assert parsed.message_id == "ours"


def test_a_wide_frame_is_not_mistaken_for_a_deep_one() -> None:
    wide = '[2, "w", "DataTransfer", {"vendorId": "v", "data": [' + ",".join(["[]"] * 500) + "]}]"
    assert isinstance(parse_frame(wide, V201), Call)
