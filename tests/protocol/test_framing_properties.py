"""Arbitrary input never breaks the framing layer: only allowed CALLERRORs, or silence, come out."""

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from switchyard.protocol.dialect import V16, V201, Dialect
from switchyard.protocol.endpoint import OcppEndpoint
from switchyard.protocol.framing import Call, CallErrorFrame, CallResult, FrameError, Ignored, parse_frame
from tests.protocol.fakes import make_endpoint

ALLOWED = {
    "1.6": {
        "FormationViolation",
        "ProtocolError",
        "NotImplemented",
        "NotSupported",
        "SecurityError",
        "TypeConstraintViolation",
        "PropertyConstraintViolation",
        "OccurenceConstraintViolation",
        "InternalError",
    },
    "2.0.1": {
        "FormatViolation",
        "RpcFrameworkError",
        "MessageTypeNotSupported",
        "NotImplemented",
        "NotSupported",
        "SecurityError",
        "TypeConstraintViolation",
        "PropertyConstraintViolation",
        "OccurrenceConstraintViolation",
        "ProtocolError",
        "InternalError",
    },
}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=20,
)
actions = st.sampled_from(["BootNotification", "Heartbeat", "StatusNotification", "Reset", "Nope", ""]) | st.text(
    max_size=20
)
ids = st.text(max_size=40) | st.integers() | st.none()
frames = st.one_of(
    st.binary(max_size=200),
    json_values.map(json.dumps),
    st.tuples(st.sampled_from([2, 3, 4, 5, 6, 7, -1, True]), ids, actions, json_values).map(
        lambda t: json.dumps(list(t))
    ),
    st.lists(json_values, max_size=6).map(json.dumps),
    st.builds(
        lambda i, a, p: json.dumps([2, i, a, p]),
        ids,
        actions,
        st.dictionaries(
            st.sampled_from(["chargePointVendor", "chargePointModel", "reason", "chargingStation", "x"]), json_values
        ),
    ),
)


def _answer_all(endpoint: OcppEndpoint, payload: dict[str, Any]) -> dict[str, Any]:
    return {"currentTime": "2026-01-01T00:00:00.000Z"}


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=frames, dialect=st.sampled_from([V16, V201]), accepted=st.booleans())
def test_only_allowed_errors_come_out(raw: str | bytes, dialect: Dialect, accepted: bool) -> None:
    parsed = parse_frame(raw, dialect)
    assert isinstance(parsed, Call | CallResult | CallErrorFrame | FrameError | Ignored)
    if isinstance(parsed, FrameError):
        assert parsed.code in ALLOWED[dialect.version]

    endpoint, wire, _ = make_endpoint(dialect, {"Heartbeat": _answer_all}, accepted=accepted)
    endpoint.receive(raw)
    assert len(wire.frames) <= 1, "one input, at most one answer"
    for frame in wire.decoded():
        assert isinstance(frame, list)
        if frame[0] == 4:
            _, message_id, code, description, details = frame
            assert code in ALLOWED[dialect.version]
            assert isinstance(message_id, str)
            assert 0 < len(message_id) <= 36
            assert isinstance(description, str)
            assert isinstance(details, dict)
            if dialect is V201:
                assert len(description) <= 255
        else:
            assert frame[0] == 3
            assert isinstance(frame[2], dict)
