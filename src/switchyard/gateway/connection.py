"""picows listeners: one per station socket, feeding its `OcppEndpoint`.

The message layer (reassembly, close frames, protocol errors) is `ws_messages.OcppMessages`, shared
with the simulator. On top of it a connection keeps its station to its flow budget (gateway/flow.py):
over budget, the socket is not read until the budget refills; far over it (the station ignores
back-pressure and keeps a full buffer coming), the connection is closed. It also stops reading while
the station has too many answers of ours still being worked out.
"""

import asyncio
from typing import Protocol

from picows import WSCloseCode, WSFrame, WSListener, WSTransport

from switchyard.gateway.flow import OVERRUN, FlowLimits, FrameBudget
from switchyard.protocol.endpoint import OcppEndpoint
from switchyard.ws_messages import NO_MESSAGE, TEXT, OcppMessages

# Station CALLs whose answers are still being worked out (transactions wait for the database).
# OCPP allows one; a few more are tolerated before the socket stops being read.
MAX_CALLS_IN_PROGRESS = 8


class SessionHost(Protocol):
    """What a connection reports to (the gateway): its life, and a station that overdoes it."""

    flow_limits: FlowLimits

    def connected(self, connection: "StationConnection") -> None: ...

    def disconnected(self, connection: "StationConnection") -> None: ...

    def throttled(self, connection: "StationConnection") -> None: ...

    def overran(self, connection: "StationConnection") -> None: ...


class StationConnection(OcppMessages):
    __slots__ = ("_budget", "_paused", "gateway", "replaced")

    def __init__(self, gateway: SessionHost, endpoint: OcppEndpoint, max_message: int) -> None:
        super().__init__(endpoint, max_message)
        self.gateway = gateway
        self.replaced = False
        self._budget = FrameBudget(gateway.flow_limits)
        self._paused = False

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport
        self.gateway.connected(self)

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type is TEXT and frame.fin and self._message == NO_MESSAGE:
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
        self.other_frame(transport, frame)

    def admit(self, transport: WSTransport, size: int) -> bool:
        """Count one message against the station's budget; False when the connection was closed for it."""
        wait = self._budget.spend(self.gateway.flow_limits, size)
        return wait <= 0.0 or self._over_budget(transport, wait)

    def after_message(self, transport: WSTransport) -> None:
        self._check_calls_in_progress(transport)

    def _over_budget(self, transport: WSTransport, wait: float) -> bool:
        """Past its budget: pause reading for `wait` seconds; False when the connection was closed instead."""
        if wait == OVERRUN:  # reading on would let it take the loop from every other station
            self.gateway.overran(self)
            self.fail(transport, WSCloseCode.POLICY_VIOLATION, b"message rate over the station's budget")
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

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        self.gateway.disconnected(self)


class NoSubprotocol(WSListener):
    """Completes the handshake without a subprotocol and closes at once (OCPP-J 2.0.1 part 4 §3.2)."""

    def on_ws_connected(self, transport: WSTransport) -> None:
        transport.send_close(WSCloseCode.PROTOCOL_ERROR, b"no supported OCPP subprotocol offered")
        transport.disconnect()
