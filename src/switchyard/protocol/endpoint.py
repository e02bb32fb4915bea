"""One station connection's OCPP-J logic, independent of the socket library.

`receive` takes the bytes of one text message and answers through `send`. It never raises: bad
input becomes a CALLERROR (or is logged and dropped where the specification says so), and a failing
handler becomes an `InternalError` for that one message. A station can make a handler fail over and
over, so a failure's traceback is logged once per kind and hour (`HandlerFailures`); the repeats are
one line each.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

import structlog

from switchyard.errors import SwitchyardError
from switchyard.protocol.call_pipe import CallPipe
from switchyard.protocol.dialect import Dialect
from switchyard.protocol.framing import (
    CALL,
    CALLERROR,
    CALLRESULT,
    UNREADABLE_ID,
    Call,
    CallErrorFrame,
    CallResult,
    FrameError,
    encode_error,
    encode_result,
    parse_frame,
)
from switchyard.protocol.schemas import SchemaSet

log = structlog.get_logger("switchyard.protocol")

HandlerResult = dict[str, Any] | Awaitable[dict[str, Any]]
Handler = Callable[["OcppEndpoint", dict[str, Any]], HandlerResult]


class HandlerError(SwitchyardError):
    """Raised by a handler to answer with this CALLERROR instead of a result."""

    def __init__(self, code: str, description: str) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description


class HandlerFailures:
    """Logs handler failures: with a traceback the first time a kind (action and exception type) is
    seen in `window` seconds, as one line after that."""

    def __init__(self, window: float = 3600.0) -> None:
        self._window = window
        self._seen: dict[tuple[str, str], float] = {}

    def report(self, identity: str, action: str, exc: BaseException) -> None:
        kind = (action, type(exc).__name__)
        now = time.monotonic()
        first = now - self._seen.get(kind, -self._window) >= self._window
        if first:
            if len(self._seen) > 1000:  # kinds are bounded by actions x exception types; be safe anyway
                self._seen.clear()
            self._seen[kind] = now
            log.error("handler failed", identity=identity, action=action, exc_info=exc)
        else:
            log.error("handler failed again", identity=identity, action=action, error=type(exc).__name__)


class MessageObserver(Protocol):
    """Sees every message that crosses the connection (the message log hangs off this)."""

    def message(
        self,
        endpoint: "OcppEndpoint",
        direction: str,
        message_type: int,
        message_id: str | None,
        action: str | None,
        payload: Any,
    ) -> None: ...


class OcppEndpoint:
    __slots__ = (
        "accepted",
        "boot_status",
        "context",
        "dialect",
        "failures",
        "handlers",
        "identity",
        "last_seen",
        "observer",
        "on_settled",
        "pipe",
        "ready_at",
        "schemas",
        "send",
        "tasks",
        "url",
    )

    def __init__(
        self,
        identity: str,
        dialect: Dialect,
        schemas: SchemaSet,
        handlers: Mapping[str, Handler],
        send: Callable[[bytes], None],
        observer: MessageObserver,
        context: Any = None,
        accepted: bool = False,
        failures: HandlerFailures | None = None,
        boot_grace: float = 0.0,
        url: str | None = None,
    ) -> None:
        self.identity = identity
        self.dialect = dialect
        self.schemas = schemas
        self.handlers = handlers
        self.send = send
        self.observer = observer
        self.context = context
        # The URL the station connected on, without its identity (a gateway session's; None elsewhere).
        self.url = url
        self.failures = failures or HandlerFailures()
        # Until a BootNotification is answered Accepted, only BootNotification is served.
        self.accepted = accepted
        # How this connection's BootNotification was answered (None: none yet). Management calls wait
        # for it, or until `ready_at` (monotonic) for a station that reconnects without booting.
        self.boot_status: str | None = None
        self.ready_at = time.monotonic() + boot_grace
        self.last_seen = time.time()
        self.pipe = CallPipe(identity, schemas, self._send_call)
        # Answers still being worked out (handlers that wait for the database).
        self.tasks: set[asyncio.Task[None]] | None = None
        # Called when one of them is done: the connection stops reading while too many are open.
        self.on_settled: Callable[[], None] | None = None

    # -- inbound -----------------------------------------------------------------------------

    def receive(self, raw: bytes | memoryview | str) -> None:
        self.last_seen = time.time()
        frame = parse_frame(raw, self.dialect)
        if isinstance(frame, Call):
            self._on_call(frame)
        elif isinstance(frame, CallResult):
            self._on_result(frame)
        elif isinstance(frame, CallErrorFrame):
            self._on_error(frame)
        elif isinstance(frame, FrameError):
            self.observer.message(self, "in", 0, None, None, {"malformed": _preview(raw)})
            self.reply_error(frame.message_id, frame.code, frame.description)
        else:
            self._on_ignored(frame.reason, frame.message_id)

    def boot_answered(self, status: str) -> None:
        """A BootNotification was answered with `status` (Accepted, Pending or Rejected)."""
        self.boot_status = status
        self.accepted = status == "Accepted"
        self.ready_at = 0.0

    def receive_binary(self) -> None:
        self.last_seen = time.time()
        self.reply_error(UNREADABLE_ID, self.dialect.malformed_json, "OCPP-J messages are text frames, not binary")

    def _on_call(self, call: Call) -> None:
        action = call.action
        self.observer.message(self, "in", CALL, call.message_id, action, call.payload)
        if action not in self.schemas.actions:
            self.reply_error(
                call.message_id,
                "NotImplemented",
                f"{_short(action)} is not an OCPP {self.dialect.version} action",
                action,
            )
            return
        handler = self.handlers.get(action)
        if handler is None:
            self.reply_error(
                call.message_id, "NotSupported", f"{action} is not supported by this central system", action
            )
            return
        if (
            not self.accepted
            and action != "BootNotification"
            and not (self.boot_status == "Pending" and action in self.dialect.allowed_while_pending)
        ):
            self.reply_error(
                call.message_id,
                "SecurityError",
                f"{action} before the station was accepted by a BootNotification",
            )
            return
        violation = self.schemas.check_request(action, call.payload)
        if violation is not None:
            self.reply_error(call.message_id, violation.code, violation.description, action)
            return
        try:
            result = handler(self, call.payload)
        except HandlerError as refusal:
            self.reply_error(call.message_id, refusal.code, refusal.description, action)
            return
        except Exception as exc:
            self.failures.report(self.identity, action, exc)
            self.reply_error(call.message_id, "InternalError", f"{action} could not be processed", action)
            return
        if isinstance(result, dict):
            self._reply(call.message_id, action, result)
        else:
            self._spawn(self._reply_later(call.message_id, action, result))

    async def _reply_later(self, message_id: str, action: str, pending: Awaitable[dict[str, Any]]) -> None:
        try:
            result = await pending
        except HandlerError as refusal:
            self.reply_error(message_id, refusal.code, refusal.description, action)
            return
        except Exception as exc:
            self.failures.report(self.identity, action, exc)
            self.reply_error(message_id, "InternalError", f"{action} could not be processed", action)
            return
        self._reply(message_id, action, result)

    def _reply(self, message_id: str, action: str, payload: dict[str, Any]) -> None:
        violation = self.schemas.check_response(action, payload)
        if violation is not None:
            # Our own bug: never put an invalid frame on the wire.
            log.error("response failed schema", identity=self.identity, action=action, problem=violation.description)
            self.reply_error(message_id, "InternalError", f"{action} could not be processed", action)
            return
        self.observer.message(self, "out", CALLRESULT, message_id, action, payload)
        self.send(encode_result(message_id, payload))

    def reply_error(self, message_id: str, code: str, description: str, action: str | None = None) -> None:
        self.observer.message(
            self, "out", CALLERROR, message_id, action, {"errorCode": code, "errorDescription": description}
        )
        self.send(encode_error(message_id, code, description, self.dialect))

    def _on_result(self, result: CallResult) -> None:
        action = self.pipe.action_for(result.message_id)
        self.observer.message(self, "in", CALLRESULT, result.message_id, action, result.payload)
        if action is None or not self.pipe.resolve(result.message_id, result.payload):
            log.warning("late or unknown CALLRESULT dropped", identity=self.identity, message_id=result.message_id)

    def _on_error(self, error: CallErrorFrame) -> None:
        action = self.pipe.action_for(error.message_id)
        payload = {
            "errorCode": error.code,
            "errorDescription": error.description,
            "errorDetails": error.details,
        }
        self.observer.message(self, "in", CALLERROR, error.message_id, action, payload)
        if action is None or not self.pipe.reject(error.message_id, error.code, error.description, error.details):
            log.warning("late or unknown CALLERROR dropped", identity=self.identity, message_id=error.message_id)

    def _on_ignored(self, reason: str, message_id: str | None) -> None:
        log.warning("frame dropped", identity=self.identity, reason=reason)
        if message_id is not None:
            self.pipe.fail(message_id, reason)

    # -- outbound ----------------------------------------------------------------------------

    def _send_call(self, frame: bytes, message_id: str, action: str, payload: dict[str, Any]) -> None:
        self.observer.message(self, "out", CALL, message_id, action, payload)
        self.send(frame)

    def _spawn(self, work: Awaitable[None]) -> None:
        if self.tasks is None:
            self.tasks = set()
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self._settled)

    def _settled(self, task: "asyncio.Task[None]") -> None:
        if self.tasks is not None:
            self.tasks.discard(task)
        if self.on_settled is not None:
            self.on_settled()

    def close(self, reason: str) -> None:
        self.pipe.close(reason)


def _short(text: str, limit: int = 50) -> str:
    """Station-chosen text echoed in our answers, cut so it cannot make them arbitrarily long."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _preview(raw: bytes | memoryview | str, limit: int = 512) -> str:
    text = raw if isinstance(raw, str) else bytes(raw).decode("utf-8", "replace")
    return text if len(text) <= limit else text[:limit] + "…"
