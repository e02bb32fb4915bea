"""The per-connection OCPP logic, without a socket: dispatch, accept gate, error answers."""

import asyncio
import json
from typing import Any

from switchyard.protocol.dialect import V16, V201
from switchyard.protocol.endpoint import OcppEndpoint
from tests.protocol.fakes import make_endpoint


def heartbeat(endpoint: OcppEndpoint, payload: dict[str, Any]) -> dict[str, Any]:
    return {"currentTime": "2026-01-01T00:00:00.000Z"}


def broken(endpoint: OcppEndpoint, payload: dict[str, Any]) -> dict[str, Any]:
    raise RuntimeError("database on fire")


def wrong_answer(endpoint: OcppEndpoint, payload: dict[str, Any]) -> dict[str, Any]:
    return {"currentTime": 12}


def test_known_action_is_answered() -> None:
    endpoint, wire, observer = make_endpoint(V16, {"Heartbeat": heartbeat})
    endpoint.receive(b'[2, "h1", "Heartbeat", {}]')
    assert wire.decoded() == [[3, "h1", {"currentTime": "2026-01-01T00:00:00.000Z"}]]
    assert [(d, t, a) for d, t, _, a, _ in observer.seen] == [("in", 2, "Heartbeat"), ("out", 3, "Heartbeat")]


def test_calls_before_acceptance_get_security_error_but_boot_is_served() -> None:
    def boot(endpoint: OcppEndpoint, payload: dict[str, Any]) -> dict[str, Any]:
        endpoint.accepted = True
        return {"status": "Accepted", "currentTime": "2026-01-01T00:00:00Z", "interval": 300}

    endpoint, wire, _ = make_endpoint(V201, {"Heartbeat": heartbeat, "BootNotification": boot}, accepted=False)
    endpoint.receive('[2, "h1", "Heartbeat", {}]')
    assert wire.last()[:3] == [4, "h1", "SecurityError"]
    boot_payload = {"reason": "PowerUp", "chargingStation": {"vendorName": "V", "model": "M"}}
    endpoint.receive(json.dumps([2, "b1", "BootNotification", boot_payload]))
    assert wire.last()[:2] == [3, "b1"]
    endpoint.receive('[2, "h2", "Heartbeat", {}]')
    assert wire.last()[:2] == [3, "h2"]


def test_unknown_and_unsupported_actions() -> None:
    endpoint, wire, _ = make_endpoint(V16, {"Heartbeat": heartbeat})
    endpoint.receive('[2, "a", "Teleport", {}]')
    assert wire.last()[:3] == [4, "a", "NotImplemented"]
    endpoint.receive('[2, "b", "GetConfiguration", {}]')
    assert wire.last()[:3] == [4, "b", "NotSupported"]


def test_failing_handler_answers_internal_error_and_the_session_goes_on() -> None:
    endpoint, wire, _ = make_endpoint(V16, {"Heartbeat": broken, "StatusNotification": heartbeat})
    endpoint.receive('[2, "a", "Heartbeat", {}]')
    assert wire.last() == [4, "a", "InternalError", "Heartbeat could not be processed", {}]


def test_our_own_invalid_answer_is_never_sent() -> None:
    endpoint, wire, _ = make_endpoint(V16, {"Heartbeat": wrong_answer})
    endpoint.receive('[2, "a", "Heartbeat", {}]')
    assert wire.last()[:3] == [4, "a", "InternalError"]


async def test_async_handlers_answer_when_done() -> None:
    async def slow(endpoint: OcppEndpoint, payload: dict[str, Any]) -> dict[str, Any]:
        await asyncio.sleep(0.01)
        return {"transactionId": 7, "idTagInfo": {"status": "Accepted"}}

    endpoint, wire, _ = make_endpoint(V16, {"StartTransaction": slow})
    start = {"connectorId": 1, "idTag": "T", "meterStart": 0, "timestamp": "2026-01-01T00:00:00Z"}
    endpoint.receive(json.dumps([2, "s", "StartTransaction", start]))
    assert wire.frames == []
    await asyncio.sleep(0.05)
    assert wire.last() == [3, "s", {"transactionId": 7, "idTagInfo": {"status": "Accepted"}}]


def test_binary_frames_are_refused_per_version() -> None:
    endpoint, wire, _ = make_endpoint(V16)
    endpoint.receive_binary()
    assert wire.last()[:3] == [4, "-1", "FormationViolation"]
    endpoint, wire, _ = make_endpoint(V201)
    endpoint.receive_binary()
    assert wire.last()[:3] == [4, "-1", "RpcFrameworkError"]


def test_malformed_input_is_logged_with_a_preview() -> None:
    endpoint, _, observer = make_endpoint(V201)
    endpoint.receive(b"{" * 2000)
    direction, kind, _, _, payload = observer.seen[0]
    assert (direction, kind) == ("in", 0)
    assert len(payload["malformed"]) <= 513


def test_energy_beyond_a_float_is_unknown_not_a_failure() -> None:
    from switchyard.protocol.v201.handlers import energy_wh

    sample = {"value": 1.0, "unitOfMeasure": {"unit": "Wh", "multiplier": 2**31 - 1}}
    assert energy_wh([{"sampledValue": [sample]}]) is None
    assert energy_wh([{"sampledValue": [{"value": 1.5e308, "unitOfMeasure": {"unit": "kWh"}}]}]) is None
    assert energy_wh([{"sampledValue": [{"value": 2.0, "unitOfMeasure": {"unit": "kWh", "multiplier": 1}}]}]) == 20000.0
