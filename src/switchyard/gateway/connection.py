"""picows listeners: one per station socket, feeding its `OcppEndpoint`."""

from typing import TYPE_CHECKING

from picows import WSCloseCode, WSFrame, WSListener, WSMsgType, WSTransport

from switchyard.protocol.endpoint import OcppEndpoint

if TYPE_CHECKING:
    from switchyard.gateway.server import Gateway


# Enum member lookups cost more than the identity tests they feed, once per message.
_TEXT, _CONTINUATION, _BINARY, _CLOSE = WSMsgType.TEXT, WSMsgType.CONTINUATION, WSMsgType.BINARY, WSMsgType.CLOSE


class StationConnection(WSListener):
    __slots__ = (
        "_fragments",
        "_fragments_size",
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
        # Picows delivers fragmented messages frame by frame; OCPP needs whole messages.
        self._fragments: list[bytes] | None = None
        self._fragments_size = 0

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport
        self.gateway.connected(self)

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        kind = frame.msg_type
        if kind is _TEXT:
            if frame.fin:
                # A view into picows' buffer: decoded before this callback returns, never kept.
                self.endpoint.receive(frame.get_payload_as_memoryview())
            else:
                self._fragments = [frame.get_payload_as_bytes()]
                self._fragments_size = frame.payload_size
        elif kind is _CONTINUATION:
            self._continue(transport, frame)
        elif kind is _BINARY:
            self.endpoint.receive_binary()
        elif kind is _CLOSE:
            transport.send_close(frame.get_close_code())
            transport.disconnect()

    def _continue(self, transport: WSTransport, frame: WSFrame) -> None:
        if self._fragments is None:
            transport.send_close(WSCloseCode.PROTOCOL_ERROR, b"continuation frame without a first frame")
            transport.disconnect()
            return
        self._fragments.append(frame.get_payload_as_bytes())
        self._fragments_size += frame.payload_size
        if self._fragments_size > self.max_message:
            self._fragments = None
            transport.send_close(WSCloseCode.MESSAGE_TOO_BIG, b"message too big")
            transport.disconnect()
            return
        if frame.fin:
            message = b"".join(self._fragments)
            self._fragments = None
            self.endpoint.receive(message)

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
