"""OCPP-J messages over a picows connection: the RFC 6455 message layer both ends of a station link
share (the gateway's station connections, the simulator's stations).

picows delivers frames; OCPP needs whole messages. This reassembles fragmented messages up to a size
cap (§5.4), fails the connection on a new data frame inside a fragmented message or a continuation
without a first frame, answers close frames (refusing codes no peer may send, §7.4.1), and ignores
data that arrives after our close frame. A whole text message goes to the `OcppEndpoint`; a binary
one is refused by it (OCPP-J messages are text).
"""

from picows import WSCloseCode, WSFrame, WSListener, WSMsgType, WSTransport

from switchyard.protocol.endpoint import OcppEndpoint

# Enum member lookups cost more than the identity tests they feed, once per message.
TEXT, CONTINUATION, BINARY, CLOSE = WSMsgType.TEXT, WSMsgType.CONTINUATION, WSMsgType.BINARY, WSMsgType.CLOSE
# Codes a peer may not put in a close frame (RFC 6455 §7.4.1: 1005, 1006 and 1015 are reserved for
# reporting; 0-999 are unused), which picows does not refuse itself.
_NOT_ON_THE_WIRE = frozenset({0, 1004, 1005, 1006, 1015})

NO_MESSAGE, _TEXT_MESSAGE, _BINARY_MESSAGE = 0, 1, 2


class OcppMessages(WSListener):
    """Feeds an endpoint whole messages. Subclasses may charge each message (`admit`) and look at the
    endpoint after one (`after_message`); the gateway keeps its stations to their budgets that way."""

    __slots__ = ("_fragments", "_fragments_size", "_message", "endpoint", "max_message", "transport")

    def __init__(self, endpoint: OcppEndpoint, max_message: int) -> None:
        self.endpoint = endpoint
        self.max_message = max_message
        self.transport: WSTransport | None = None
        # What a fragmented message under way is (NO_MESSAGE: none), its parts and their size so far.
        self._message = NO_MESSAGE
        self._fragments: list[bytes] | None = None
        self._fragments_size = 0

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type is TEXT and frame.fin and self._message == NO_MESSAGE:
            if transport.is_close_frame_sent:
                return  # closing: frames still in the read buffer are not worked on
            if self.admit(transport, frame.payload_size):
                # A view into picows' buffer: decoded before this callback returns, never kept.
                self.endpoint.receive(frame.get_payload_as_memoryview())
                self.after_message(transport)
            return
        self.other_frame(transport, frame)

    def other_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        """Every frame but a whole text message outside a fragmented one."""
        kind = frame.msg_type
        if kind is CLOSE:
            self._answer_close(transport, frame)
            return
        if transport.is_close_frame_sent:
            return
        if kind is CONTINUATION:
            self._continue(transport, frame)
            return
        if self._message != NO_MESSAGE:
            self.fail(transport, WSCloseCode.PROTOCOL_ERROR, b"new message inside a fragmented message")
            return
        if not frame.fin:
            self._start_fragments(frame)
        elif kind is BINARY and self.admit(transport, frame.payload_size):
            self.endpoint.receive_binary()

    def admit(self, transport: WSTransport, size: int) -> bool:
        """Whether to work on a message of `size` bytes now; False when the connection was closed for it."""
        return True

    def after_message(self, transport: WSTransport) -> None:
        """A text message was handed to the endpoint."""

    def _start_fragments(self, frame: WSFrame) -> None:
        self._fragments_size = frame.payload_size
        if frame.msg_type is TEXT:
            self._message = _TEXT_MESSAGE
            self._fragments = [frame.get_payload_as_bytes()]
        else:
            self._message = _BINARY_MESSAGE  # refused once whole; its bytes are not kept

    def _continue(self, transport: WSTransport, frame: WSFrame) -> None:
        if self._message == NO_MESSAGE:
            self.fail(transport, WSCloseCode.PROTOCOL_ERROR, b"continuation frame without a first frame")
            return
        self._fragments_size += frame.payload_size
        if self._fragments_size > self.max_message:
            self.fail(transport, WSCloseCode.MESSAGE_TOO_BIG, b"message too big")
            return
        if self._fragments is not None:
            self._fragments.append(frame.get_payload_as_bytes())
        if not frame.fin:
            return
        message, size, fragments = self._message, self._fragments_size, self._fragments
        self._message, self._fragments, self._fragments_size = NO_MESSAGE, None, 0
        if not self.admit(transport, size):
            return
        if message == _TEXT_MESSAGE and fragments is not None:
            self.endpoint.receive(b"".join(fragments))
            self.after_message(transport)
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

    def fail(self, transport: WSTransport, code: WSCloseCode, reason: bytes) -> None:
        self._message, self._fragments, self._fragments_size = NO_MESSAGE, None, 0
        if not transport.is_close_frame_sent:
            transport.send_close(code, reason)
        transport.disconnect()

    def send(self, frame: bytes) -> None:
        transport = self.transport
        if transport is not None and not transport.is_disconnected:
            transport.send(TEXT, frame)

    def close(self, code: WSCloseCode = WSCloseCode.OK, reason: bytes = b"") -> None:
        transport = self.transport
        if transport is not None and not transport.is_disconnected:
            transport.send_close(code, reason)
            transport.disconnect()
