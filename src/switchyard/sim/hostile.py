"""What a hostile station sends a CSMS, with what OCPP-J says must come back for each.

A corpus of frames that are malformed, too deep, too long, of the wrong types or beyond what a CSMS
stores, each with its expected answer: a CALLERROR code (per version), a CALLRESULT, or nothing.
The fuzz test (tests/gateway/test_fuzz.py) and the hostile-load benchmark (bench/gateway.py) send it;
any CSMS can be tried with it. Random mutations of valid frames come from a seeded generator, so a
run can be repeated exactly.
"""

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# What may come back for a mutation whose meaning a fixed expectation cannot pin.
ANY_ANSWER = "any"
NOTHING = "nothing"
RESULT = "result"


@dataclass(frozen=True, slots=True)
class Probe:
    name: str
    # The payload of a text frame (bytes that need not be UTF-8), or of a binary frame.
    frame: str | bytes
    # A CALLERROR code, RESULT, NOTHING or ANY_ANSWER (a CALLRESULT or any CALLERROR of the version).
    expect: str
    # The id the answer carries, when it is not the frame's own.
    answer_id: str | None = None
    binary: bool = False


_VERSION_CODES = {
    "1.6": {
        "format": "FormationViolation",
        "rpc": "ProtocolError",
        "malformed": "FormationViolation",
        "occurrence": "OccurenceConstraintViolation",
        "unknown_type": NOTHING,
        "integral_float": "TypeConstraintViolation",
    },
    "2.0.1": {
        "format": "FormatViolation",
        "rpc": "RpcFrameworkError",
        "malformed": "RpcFrameworkError",
        "occurrence": "OccurrenceConstraintViolation",
        "unknown_type": "MessageTypeNotSupported",
        "integral_float": RESULT,
    },
}

ALLOWED_CODES = {
    version: {
        *codes.values(),
        "NotImplemented",
        "NotSupported",
        "SecurityError",
        "TypeConstraintViolation",
        "PropertyConstraintViolation",
        "InternalError",
    }
    - {NOTHING, RESULT}
    for version, codes in _VERSION_CODES.items()
}

_STATUS_16 = {"connectorId": 1, "errorCode": "NoError", "status": "Available"}
_STATUS_201 = {"timestamp": "2026-01-01T00:00:00Z", "connectorStatus": "Available", "evseId": 1, "connectorId": 1}
_VALID = {
    "1.6": [
        ("Heartbeat", {}),
        ("StatusNotification", _STATUS_16),
        ("Authorize", {"idTag": "TAG-1"}),
        ("DataTransfer", {"vendorId": "acme", "data": "x"}),
    ],
    "2.0.1": [
        ("Heartbeat", {}),
        ("StatusNotification", _STATUS_201),
        ("Authorize", {"idToken": {"idToken": "TAG-1", "type": "ISO14443"}}),
        ("DataTransfer", {"vendorId": "acme", "data": {"k": [1, 2]}}),
    ],
}


def _call(message_id: str, action: str, payload: Any) -> str:
    return json.dumps([2, message_id, action, payload])


def fixed_probes(version: str) -> list[Probe]:
    """Every kind of hostile frame once, with its documented answer (docs/protocol-errors.md)."""
    codes = _VERSION_CODES[version]
    status = _STATUS_16 if version == "1.6" else _STATUS_201
    return [
        Probe("not json", "[2, 'x', {", codes["malformed"], "-1"),
        Probe("not utf-8", b'[2, "u", "Heartbeat", {"\xff\xfe": 1}]', codes["malformed"], "-1"),
        Probe("not an array", '{"a": 1}', codes["rpc"], "-1"),
        Probe("empty array", "[]", codes["rpc"], "-1"),
        Probe("id too long", _call("i" * 37, "Heartbeat", {}), codes["rpc"], "-1"),
        Probe("id not a string", json.dumps([2, 17, "Heartbeat", {}]), codes["rpc"], "-1"),
        Probe("unknown message type", json.dumps([7, "t7", "Heartbeat", {}]), codes["unknown_type"]),
        Probe("answer to nothing", json.dumps([3, "never-asked", {}]), NOTHING),
        Probe("error to nothing", json.dumps([4, "never-asked", "GenericError", "", {}]), NOTHING),
        Probe("unknown action", _call("ua", "Teleport", {}), "NotImplemented"),
        Probe("huge action name", _call("ha", "A" * 100_000, {}), "NotImplemented"),
        Probe("payload not an object", _call("pl", "Heartbeat", [1, 2]), codes["format"]),
        Probe("unknown field", _call("uf", "Heartbeat", {"x": 1}), codes["format"]),
        Probe("wrong type", _connector_id(status, "wt", "1"), "TypeConstraintViolation"),
        Probe("integer beyond 64 bits", _connector_id(status, "i64", 2**63), "PropertyConstraintViolation"),
        Probe("integer beyond 32 bits", _connector_id(status, "i32", 2**31), "PropertyConstraintViolation"),
        Probe(
            "float where an integer goes",
            _connector_id(status, "fl", 1e308),
            # Draft-04 (1.6) has no integral floats; in draft-06 (2.0.1) 1e308 is an integer, too large.
            "TypeConstraintViolation" if version == "1.6" else "PropertyConstraintViolation",
        ),
        Probe("integral float", _connector_id(status, "if", 2.0), codes["integral_float"]),
        Probe("long string", _call("ls", "DataTransfer", {"vendorId": "v" * 100_000}), "TypeConstraintViolation"),
        Probe("missing field", _call("mf", "StatusNotification", {}), codes["occurrence"]),
        Probe("nul in a string", _call("nul", "DataTransfer", {"vendorId": "ac\u0000me"}), RESULT),
        Probe(
            "a station may not reset us",
            _call("rs", "Reset", {"type": "Hard"} if version == "1.6" else {"type": "Immediate"}),
            "NotSupported",
        ),
        Probe("binary frame", b'[2, "bin", "Heartbeat", {}]', codes["malformed"], "-1", binary=True),
        Probe(
            "two megabytes of data", _call("big", "DataTransfer", {"vendorId": "v", "data": "d" * 2_000_000}), RESULT
        ),
        *_nesting_probes(codes),
    ]


def _connector_id(status: dict[str, Any], message_id: str, connector_id: Any) -> str:
    """A StatusNotification whose connectorId is `connector_id`."""
    return _call(message_id, "StatusNotification", {**status, "connectorId": connector_id})


def _nesting_probes(codes: dict[str, str]) -> list[Probe]:
    """Arrays nested ever deeper: a schema error while the decoder can read them, then unreadable."""
    probes = []
    for depth in (33, 490, 999, 5000, 100_000):
        nested = "[" * depth + "]" * depth
        deep = f'[2, "deep{depth}", "DataTransfer", {{"vendorId": "v", "data": {nested}}}]'
        readable = depth < 990
        probes.append(
            Probe(
                f"nested {depth} deep",
                deep,
                codes["format"] if readable else codes["malformed"],
                None if readable else "-1",
            )
        )
    return probes


def mutations(version: str, seed: int, count: int) -> Iterator[Probe]:
    """`count` random mutations of valid CALLs: each must get a CALLRESULT or a CALLERROR, never silence."""
    rng = random.Random(seed)  # noqa: S311  # reproducible fuzz input, not a secret
    for n in range(count):
        action, payload = rng.choice(_VALID[version])
        mutated = _mutate(rng, json.loads(json.dumps(payload)))
        message_id = f"m{seed}-{n}"
        yield Probe(f"mutation {n}", _call(message_id, action, mutated), ANY_ANSWER)


_ODD_VALUES: list[Any] = [
    None,
    True,
    -1,
    0,
    2**31,
    -(2**63),
    1.5,
    "",
    "x" * 600,
    "\u0000",
    "😀" * 20,
    [],
    {},
    [[[]]],
    {"a": {"b": {"c": None}}},
]


def _mutate(rng: random.Random, payload: Any) -> Any:
    if not isinstance(payload, dict) or not payload or rng.random() < 0.2:
        return {rng.choice(["x", "connectorId", "idTag", "status"]): rng.choice(_ODD_VALUES)}
    key = rng.choice(sorted(payload))
    roll = rng.random()
    if roll < 0.5:
        payload[key] = rng.choice(_ODD_VALUES)
    elif roll < 0.7:
        del payload[key]
    else:
        payload[rng.choice(["extra", key.upper(), key + "_"])] = rng.choice(_ODD_VALUES)
    return payload


def answer_ok(probe: Probe, answer: list[Any] | None, version: str) -> str | None:
    """Why `answer` (None: nothing came) is not what `probe` documents, or None when it is."""
    expected_id = probe.answer_id
    if probe.expect == NOTHING:
        return None if answer is None else f"expected no answer, got {answer[:3]}"
    if answer is None:
        return "expected an answer, got none"
    own_id = None if probe.binary else _frame_id(probe.frame)
    wanted_id = expected_id or own_id
    if wanted_id is not None and answer[1] != wanted_id:
        return f"answer has id {answer[1]!r}, expected {wanted_id!r}"
    if probe.expect == RESULT:
        return None if answer[0] == 3 else f"expected a CALLRESULT, got {answer[:3]}"
    if probe.expect == ANY_ANSWER:
        if answer[0] == 3 or (answer[0] == 4 and answer[2] in ALLOWED_CODES[version]):
            return None
        return f"expected a CALLRESULT or a {version} CALLERROR, got {answer[:3]}"
    if answer[0] != 4 or answer[2] != probe.expect:
        return f"expected CALLERROR {probe.expect}, got {answer[:3]}"
    return None


def _frame_id(frame: str | bytes) -> str | None:
    try:
        decoded = json.loads(frame)
    except (ValueError, RecursionError):
        # Too deep for the decoder: the id is the first string after the opening bracket.
        head = frame[:64].decode("utf-8", "replace") if isinstance(frame, bytes) else frame[:64]
        parts = head.split('"')
        return parts[1] if head.startswith("[2,") and len(parts) > 2 and len(parts[1]) <= 36 else None
    if isinstance(decoded, list) and len(decoded) > 1 and isinstance(decoded[1], str) and len(decoded[1]) <= 36:
        return decoded[1]
    return None
