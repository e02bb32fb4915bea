"""The OCPP message log: every frame in and out, secrets redacted, handed to the recorder.

A frame is kept whole up to `max_payload` bytes of JSON; a longer one keeps its action, its size and
that much of its start (a station may send megabytes that mean nothing). The retention job keeps the
log within its row budgets (core/retention.py).
"""

from typing import Any, Protocol

from switchyard.clock import Clock
from switchyard.ports import MessageRecords
from switchyard.protocol.framing import CALL, CALLRESULT, encode_json
from switchyard.protocol.redaction import redact
from switchyard.settings import MessageLogMode


class _Session(Protocol):
    """What the log needs of the connection a frame crossed (an `OcppEndpoint`)."""

    @property
    def identity(self) -> str: ...

    @property
    def context(self) -> Any: ...


class MessageLog:
    """A `MessageObserver` that records frames according to the configured mode.

    `no-heartbeats` (the default) skips Heartbeat CALLs and their answers: they carry no data, and
    the station's last-seen time records them anyway.
    """

    def __init__(self, recorder: MessageRecords, mode: MessageLogMode, clock: Clock, max_payload: int = 4096) -> None:
        self._recorder = recorder
        self._mode = mode
        self._clock = clock
        self._max_payload = max_payload

    def message(
        self,
        endpoint: _Session,
        direction: str,
        message_type: int,
        message_id: str | None,
        action: str | None,
        payload: Any,
    ) -> None:
        if self._mode == "off":
            return
        if self._mode == "no-heartbeats" and action == "Heartbeat" and message_type in (CALL, CALLRESULT):
            return
        station = endpoint.context
        encoded = encode_json(redact(action, payload))
        size = len(encoded)
        truncated = size > self._max_payload
        if truncated:
            encoded = encoded[: self._max_payload]
        self._recorder.message(
            {
                "station_id": getattr(station, "station_id", None),
                "identity": endpoint.identity,
                "direction": direction,
                "message_type": message_type,
                # Unknown actions can be any length; the column keeps the first 50 characters.
                "action": action if action is None or len(action) <= 50 else action[:49] + "…",
                "message_id": message_id,
                "at": self._clock.now(),
                # A cut may fall inside a UTF-8 sequence: the partial character is dropped.
                "payload": encoded.decode("utf-8", "ignore") if truncated else encoded.decode(),
                "size": size,
                "truncated": truncated,
            }
        )
