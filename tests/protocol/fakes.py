"""In-memory stand-ins for the socket and the message log."""

import json
from typing import Any

from switchyard.protocol.dialect import Dialect
from switchyard.protocol.endpoint import Handler, OcppEndpoint
from switchyard.protocol.schemas import schema_set


class RecordingObserver:
    def __init__(self) -> None:
        self.seen: list[tuple[str, int, str | None, str | None, Any]] = []

    def message(
        self,
        endpoint: OcppEndpoint,
        direction: str,
        message_type: int,
        message_id: str | None,
        action: str | None,
        payload: Any,
    ) -> None:
        self.seen.append((direction, message_type, message_id, action, payload))


class Wire:
    """Collects what the endpoint sends."""

    def __init__(self) -> None:
        self.frames: list[bytes] = []

    def __call__(self, frame: bytes) -> None:
        self.frames.append(frame)

    def decoded(self) -> list[Any]:
        return [json.loads(frame) for frame in self.frames]

    def last(self) -> Any:
        return json.loads(self.frames[-1])


def make_endpoint(
    dialect: Dialect, handlers: dict[str, Handler] | None = None, accepted: bool = True
) -> tuple[OcppEndpoint, Wire, RecordingObserver]:
    wire, observer = Wire(), RecordingObserver()
    endpoint = OcppEndpoint(
        identity="CP-1",
        dialect=dialect,
        schemas=schema_set(dialect.version),
        handlers=handlers or {},
        send=wire,
        observer=observer,
        accepted=accepted,
    )
    return endpoint, wire, observer
