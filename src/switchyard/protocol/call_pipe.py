"""CSMS-initiated calls over one station connection.

OCPP allows one outstanding CALL per direction: callers queue on a FIFO lock, each call gets a
UUID4 message id, and waits `timeout` seconds for its answer once sent. A CALLRESULT is validated
against the response schema before the caller sees it. Late or unknown answers are reported to the
owner (who logs them) and dropped; closing the pipe fails the pending call and every queued one.
"""

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

from switchyard.errors import CallError, CallTimeout, InvalidRequest, InvalidResponse, NotConnected
from switchyard.protocol.framing import encode_call
from switchyard.protocol.schemas import SchemaSet


class _Pending:
    __slots__ = ("action", "future", "message_id")

    def __init__(self, message_id: str, action: str, future: "asyncio.Future[dict[str, Any]]") -> None:
        self.message_id = message_id
        self.action = action
        self.future = future


class CallPipe:
    __slots__ = ("_closed", "_identity", "_lock", "_pending", "_schemas", "_send")

    def __init__(self, identity: str, schemas: SchemaSet, send: Callable[[bytes, str, str, dict[str, Any]], None]):
        self._identity = identity
        self._schemas = schemas
        # send(frame, message_id, action, payload): the owner writes the frame and logs it.
        self._send = send
        self._lock: asyncio.Lock | None = None
        self._pending: _Pending | None = None
        self._closed: str | None = None

    @property
    def pending_action(self) -> str | None:
        return self._pending.action if self._pending else None

    def action_for(self, message_id: str) -> str | None:
        pending = self._pending
        return pending.action if pending is not None and pending.message_id == message_id else None

    async def call(self, action: str, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
        if action not in self._schemas.requests:
            raise InvalidRequest(f"{action} is not an OCPP {self._schemas.dialect.version} action")
        violation = self._schemas.check_request(action, payload)
        if violation is not None:
            raise InvalidRequest(f"{action} payload: {violation.description}")
        if self._closed is not None:
            raise NotConnected(self._identity, action, self._closed)
        if self._lock is None:
            # Created on first use: most stations never receive a call, and locks cost memory.
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._closed is not None:
                raise NotConnected(self._identity, action, self._closed)
            message_id = str(uuid.uuid4())
            future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
            self._pending = _Pending(message_id, action, future)
            try:
                self._send(encode_call(message_id, action, payload), message_id, action, payload)
                async with asyncio.timeout(timeout):
                    return await future
            except TimeoutError:
                raise CallTimeout(self._identity, action, timeout) from None
            finally:
                self._pending = None

    def resolve(self, message_id: str, payload: dict[str, Any]) -> bool:
        """Deliver a CALLRESULT; False when no pending call has this id (late or unknown)."""
        pending = self._take(message_id)
        if pending is None:
            return False
        violation = self._schemas.check_response(pending.action, payload)
        if violation is None:
            pending.future.set_result(payload)
        else:
            pending.future.set_exception(
                InvalidResponse(self._identity, pending.action, violation.code, violation.description)
            )
        return True

    def reject(self, message_id: str, code: str, description: str, details: dict[str, Any]) -> bool:
        """Deliver a CALLERROR; False when no pending call has this id."""
        pending = self._take(message_id)
        if pending is None:
            return False
        pending.future.set_exception(CallError(self._identity, pending.action, code, description, details))
        return True

    def fail(self, message_id: str, reason: str) -> bool:
        """An answer arrived with this id but could not be read as a CALLRESULT or CALLERROR."""
        pending = self._take(message_id)
        if pending is None:
            return False
        pending.future.set_exception(InvalidResponse(self._identity, pending.action, "ProtocolError", reason))
        return True

    @property
    def closed(self) -> bool:
        """The connection is gone or going: no call can be made through this pipe any more."""
        return self._closed is not None

    def close(self, reason: str) -> None:
        self._closed = reason
        pending = self._pending
        if pending is not None and not pending.future.done():
            pending.future.set_exception(NotConnected(self._identity, pending.action, reason, sent=True))

    def _take(self, message_id: str) -> _Pending | None:
        pending = self._pending
        if pending is None or pending.message_id != message_id or pending.future.done():
            return None
        return pending
