"""picows listeners: one per station socket, feeding its `OcppEndpoint`.

Besides reassembling fragmented messages (RFC 6455 §5.4), a connection keeps its station to its
flow budget (gateway/flow.py): over budget, the socket is not read until the budget refills; far
over it (the station ignores back-pressure and keeps a full buffer coming), the connection is closed.
It also stops reading while the station has too many answers of ours still being worked out.
"""

import asyncio
from typing import TYPE_CHECKING

from picows import WSCloseCode, WSFrame, WSListener, WSMsgType, WSTransport

from switchyard.gateway.flow import OVERRUN, FrameBudget
from switchyard.protocol.endpoint import OcppEndpoint

if TYPE_CHECKING:
    from switchyard.gateway.server import Gateway

# Enum member lookups cost more than the identity tests they feed, once per message.
_TEXT, _CONTINUATION, _BINARY, _CLOSE = WSMsgType.TEXT, WSMsgType.CONTINUATION, WSMsgType.BINARY, WSMsgType.CLOSE
# Codes a peer may not put in a close frame (RFC 6455 §7.4.1: 1005, 1006 and 1015 are reserved for
# reporting; 0-999 are unused), which picows does not refuse itself.
_NOT_ON_THE_WIRE = frozenset({0, 1004, 1005, 1006, 1015})
# Station CALLs whose answers are still being worked out (transactions wait for the database).
# OCPP allows one; a few more are tolerated before the socket stops being read.
MAX_CALLS_IN_PROGRESS = 8

_NO_MESSAGE, _TEXT_MESSAGE, _BINARY_MESSAGE = 0, 1, 2


class StationConnection(WSListener):
    __slots__ = (
        "_budget",
        "_fragments",
        "_fragments_size",
        "_message",
        "_paused",
        "endpoint",
        "gateway",
        "max_message",
        "replaced",
        "transport",
    )

    def __init__(self, gateway: "Gateway", endpoint: OcppEndpoint, max_message: int) -> None:
        self.gateway = gateway
        self.endpoint = endpoint
        self.max_message = max_message
        self.transport: WSTransport | None = None
        self.replaced = False
        self._budget = FrameBudget(gateway.flow_limits)
        # Picows delivers fragmented messages frame by frame; OCPP needs whole messages.
        self._message = _NO_MESSAGE
        self._fragments: list[bytes] | None = None
        self._fragments_size = 0
        self._paused = False

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport
        self.gateway.connected(self)

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        kind = frame.msg_type
        if kind is _TEXT and frame.fin and self._message == _NO_MESSAGE:
            # A whole text message, the OCPP case; the budget check and `_check_calls_in_progress`
            # are written out because this runs for every message.
            if transport.is_close_frame_sent:
                return  # closing: frames still in the read buffer are not worked on
            wait = self._budget.spend(self.gateway.flow_limits, frame.payload_size)
            if wait > 0.0 and not self._over_budget(transport, wait):
                return
            endpoint = self.endpoint
            # A view into picows' buffer: decoded before this callback returns, never kept.
            endpoint.receive(frame.get_payload_as_memoryview())
            tasks = endpoint.tasks
            if tasks and len(tasks) >= MAX_CALLS_IN_PROGRESS:
                self._check_calls_in_progress(transport)
            return
        if kind is _CLOSE:
            self._answer_close(transport, frame)
            return
        if transport.is_close_frame_sent:
            return  # closing: frames still in the read buffer are not worked on
        if kind is _CONTINUATION:
            self._continue(transport, frame)
            return
        if self._message != _NO_MESSAGE:
            # A new data frame while a fragmented message is open (RFC 6455 §5.4).
            self._fail(transport, WSCloseCode.PROTOCOL_ERROR, b"new message inside a fragmented message")
            return
        if not frame.fin:
            self._start_fragments(transport, frame)
        elif kind is _BINARY and self._charge(transport, frame.payload_size):
            self.endpoint.receive_binary()

    def _start_fragments(self, transport: WSTransport, frame: WSFrame) -> None:
        self._fragments_size = frame.payload_size
        if frame.msg_type is _TEXT:
            self._message = _TEXT_MESSAGE
            self._fragments = [frame.get_payload_as_bytes()]
        else:
            self._message = _BINARY_MESSAGE  # refused once whole; its bytes are not kept

    def _continue(self, transport: WSTransport, frame: WSFrame) -> None:
        if self._message == _NO_MESSAGE:
            self._fail(transport, WSCloseCode.PROTOCOL_ERROR, b"continuation frame without a first frame")
            return
        self._fragments_size += frame.payload_size
        if self._fragments_size > self.max_message:
            self._fail(transport, WSCloseCode.MESSAGE_TOO_BIG, b"message too big")
            return
        if self._fragments is not None:
            self._fragments.append(frame.get_payload_as_bytes())
        if not frame.fin:
            return
        message, size, fragments = self._message, self._fragments_size, self._fragments
        self._message, self._fragments, self._fragments_size = _NO_MESSAGE, None, 0
        if not self._charge(transport, size):
            return
        if message == _TEXT_MESSAGE and fragments is not None:
            self.endpoint.receive(b"".join(fragments))
            self._check_calls_in_progress(transport)
        else:
            self.endpoint.receive_binary()

    def _answer_close(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.payload_size == 0:
            # No status code: answer 1000. picows reports such a close as NO_INFO (0), a code no peer accepts.
            code = WSCloseCode.OK
        else:
            received = frame.get_close_code()
            invalid = received.value in _NOT_ON_THE_WIRE or received.value >= 5000
            code = WSCloseCode.PROTOCOL_ERROR if invalid else received
        if not transport.is_close_frame_sent:
            transport.send_close(code)
        transport.disconnect()

    def _charge(self, transport: WSTransport, size: int) -> bool:
        """Count one message against the station's budget; False when the connection was closed for it."""
        wait = self._budget.spend(self.gateway.flow_limits, size)
        return wait <= 0.0 or self._over_budget(transport, wait)

    def _over_budget(self, transport: WSTransport, wait: float) -> bool:
        """Past its budget: pause reading for `wait` seconds; False when the connection was closed instead."""
        if wait == OVERRUN:  # reading on would let it take the loop from every other station
            self.gateway.overran(self)
            self._fail(transport, WSCloseCode.POLICY_VIOLATION, b"message rate over the station's budget")
            return False
        self._pause(transport, wait)
        return True

    def _pause(self, transport: WSTransport, seconds: float) -> None:
        if self._paused:
            return
        self._paused = True
        transport.underlying_transport.pause_reading()
        self.gateway.throttled(self)
        asyncio.get_running_loop().call_later(seconds, self._resume)

    def _resume(self) -> None:
        self._paused = False
        transport = self.transport
        if transport is not None and not transport.is_disconnected:
            transport.underlying_transport.resume_reading()
            self._check_calls_in_progress(transport)

    def _check_calls_in_progress(self, transport: WSTransport) -> None:
        tasks = self.endpoint.tasks
        if tasks is None or len(tasks) < MAX_CALLS_IN_PROGRESS or self._paused:
            return
        self._paused = True
        transport.underlying_transport.pause_reading()
        self.endpoint.on_settled = self._calls_settled

    def _calls_settled(self) -> None:
        self.endpoint.on_settled = None
        self._resume()

    def _fail(self, transport: WSTransport, code: WSCloseCode, reason: bytes) -> None:
        self._message, self._fragments, self._fragments_size = _NO_MESSAGE, None, 0
        if not transport.is_close_frame_sent:
            transport.send_close(code, reason)
        transport.disconnect()

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        self.gateway.disconnected(self)

    def send(self, frame: bytes) -> None:
        transport = self.transport
        if transport is not None and not transport.is_disconnected:
            transport.send(_TEXT, frame)

    def close(self, code: WSCloseCode, reason: bytes) -> None:
        transport = self.transport
        if transport is not None and not transport.is_disconnected:
            transport.send_close(code, reason)
            transport.disconnect()


class NoSubprotocol(WSListener):
    """Completes the handshake without a subprotocol and closes at once (OCPP-J 2.0.1 part 4 §3.2)."""

    def on_ws_connected(self, transport: WSTransport) -> None:
        transport.send_close(WSCloseCode.PROTOCOL_ERROR, b"no supported OCPP subprotocol offered")
        transport.disconnect()
