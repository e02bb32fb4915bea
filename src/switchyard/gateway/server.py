"""The gateway: listeners for ws:// and wss://, live station sessions, and their bookkeeping."""

import asyncio
import logging
from collections.abc import Mapping
from datetime import UTC, datetime

import structlog
from picows import WSCloseCode, WSListener, WSUpgradeResponse

from switchyard.bus.local import (
    STATION_CONNECTED,
    STATION_DISCONNECTED,
    LocalBus,
    StationConnected,
    StationDisconnected,
)
from switchyard.clock import Clock
from switchyard.domain import RegistrationState, StationUpdate
from switchyard.gateway.admission import Admission, Admitted
from switchyard.gateway.connection import NoSubprotocol, StationConnection
from switchyard.gateway.flow import FlowLimits
from switchyard.gateway.gate import HandshakeGate
from switchyard.gateway.picows_handover import start_websocket
from switchyard.gateway.tls import server_context
from switchyard.ports import ConnectionLog
from switchyard.protocol.dialect import OcppVersion
from switchyard.protocol.endpoint import Handler, HandlerFailures, MessageObserver, OcppEndpoint
from switchyard.protocol.schemas import schema_set
from switchyard.settings import Settings

log = structlog.get_logger("switchyard.gateway")

SEEN_SWEEP_SECONDS = 5.0
# A stored last-seen time is rewritten once the station was seen this much later: the boot that follows
# a connect (which stored the time) costs no second write, and no stored time is more than a second off.
SEEN_RESOLUTION_SECONDS = 1.0
# Per-station connects are DEBUG lines (a fleet reconnecting would flood the log); this summary is INFO.
SUMMARY_SECONDS = 60.0


class Gateway:
    def __init__(
        self,
        settings: Settings,
        admission: Admission,
        handlers: Mapping[OcppVersion, Mapping[str, Handler]],
        observer: MessageObserver,
        connections: ConnectionLog,
        clock: Clock,
        bus: LocalBus | None = None,
    ) -> None:
        self._settings = settings
        self._bus = bus or LocalBus()
        self._admission = admission
        self._handlers = handlers
        self._observer = observer
        self._connections = connections
        self._clock = clock
        self.sessions: dict[str, StationConnection] = {}
        self._servers: list[asyncio.Server] = []
        self._sweeper: asyncio.Task[None] | None = None
        self._seen_flushed: dict[str, float] = {}
        self._connects = 0
        self._disconnects = 0
        self._throttled = 0
        self.flow_limits = FlowLimits(
            messages_per_second=settings.station_message_rate,
            message_burst=settings.station_message_burst,
            bytes_per_second=settings.station_byte_rate,
            byte_burst=settings.max_frame_bytes,
        )
        self._responses: dict[str | None, WSUpgradeResponse] = {}
        self._failures = HandlerFailures()
        # A LoggerAdapter stops picows from creating a child logger per connection.
        self._picows_log = logging.LoggerAdapter(logging.getLogger("picows.server"), {})
        self.ws_port: int | None = None
        self.wss_port: int | None = None

    # -- listeners ----------------------------------------------------------------------------

    async def start(self) -> None:
        for name in ("OCPP", "picows.server"):
            logging.getLogger(name).setLevel(logging.WARNING)
        for schema_version in OcppVersion:
            schema_set(schema_version)  # compile every schema before the first station arrives
        loop = asyncio.get_running_loop()
        settings = self._settings
        server = await loop.create_server(lambda: self._gate(False), settings.host, settings.ocpp_port, backlog=4096)
        self._servers.append(server)
        self.ws_port = server.sockets[0].getsockname()[1]
        if settings.tls_cert_file and settings.tls_key_file:
            context = server_context(
                settings.tls_cert_file, settings.tls_key_file, settings.tls_client_ca_file, settings.tls_second()
            )
            tls_server = await loop.create_server(
                lambda: self._gate(True), settings.host, settings.ocpp_tls_port, ssl=context, backlog=4096
            )
            self._servers.append(tls_server)
            self.wss_port = tls_server.sockets[0].getsockname()[1]
        self._sweeper = asyncio.create_task(self._sweep_seen(), name="gateway-seen")
        log.info("gateway listening", ws_port=self.ws_port, wss_port=self.wss_port)

    @property
    def listening(self) -> bool:
        return bool(self._servers) and all(server.is_serving() for server in self._servers)

    async def stop(self) -> None:
        for server in self._servers:
            server.close()
        for connection in list(self.sessions.values()):
            connection.endpoint.close("central system shutting down")
            connection.close(WSCloseCode.GOING_AWAY, b"central system shutting down")
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        self._flush_seen()
        for server in self._servers:
            await server.wait_closed()
        self._servers.clear()

    def _gate(self, secure: bool) -> HandshakeGate:
        return HandshakeGate(self._admission.admit, self._hand_over, self._settings.handshake_timeout, secure)

    def _hand_over(self, transport: asyncio.Transport, key: bytes, early: bytes, admitted: Admitted) -> None:
        listener: WSListener
        subprotocol = None
        if admitted.dialect is None or admitted.record is None:
            listener = NoSubprotocol()
        else:
            record, dialect = admitted.record, admitted.dialect
            endpoint = OcppEndpoint(
                identity=admitted.identity,
                dialect=dialect,
                schemas=schema_set(dialect.version),
                handlers=self._handlers[dialect.version],
                send=_unbound_send,
                observer=self._observer,
                context=record,
                # A station accepted before may reconnect without booting again (it SHOULD NOT re-boot).
                accepted=record.registration_state is RegistrationState.ACCEPTED
                and record.last_boot_status == "Accepted",
                failures=self._failures,
                boot_grace=self._settings.boot_grace,
                url=admitted.url,
            )
            connection = StationConnection(self, endpoint, self._settings.max_frame_bytes)
            endpoint.send = connection.send
            listener = connection
            subprotocol = dialect.subprotocol
        start_websocket(
            transport,
            key,
            early,
            self._switching_protocols(subprotocol),
            listener,
            self._settings.max_frame_bytes,
            self._picows_log,
        )

    def _switching_protocols(self, subprotocol: str | None) -> WSUpgradeResponse:
        # One response object per subprotocol: picows only overwrites Sec-WebSocket-Accept in it
        # and serialises it at once, so sharing it saves building headers per connection.
        response = self._responses.get(subprotocol)
        if response is None:
            headers = {"Sec-WebSocket-Protocol": subprotocol} if subprotocol else {}
            response = self._responses[subprotocol] = WSUpgradeResponse.create_101_response(headers)
        return response

    # -- session bookkeeping ------------------------------------------------------------------

    def connected(self, connection: StationConnection) -> None:
        identity = connection.endpoint.identity
        previous = self.sessions.get(identity)
        self.sessions[identity] = connection
        if previous is not None:
            previous.replaced = True
            previous.endpoint.close("replaced by a newer connection of the same station")
            previous.close(WSCloseCode.POLICY_VIOLATION, b"replaced by a newer connection")
        self._seen_flushed[identity] = connection.endpoint.last_seen
        record = connection.endpoint.context
        self._connections.connected(record.station_id, self._settings.node_id, self._clock.now())
        self._connects += 1
        self._bus.publish(STATION_CONNECTED, StationConnected(record.station_id, identity, record))
        log.debug("station connected", identity=identity, ocpp=connection.endpoint.dialect.version.value)

    def disconnected(self, connection: StationConnection) -> None:
        endpoint = connection.endpoint
        endpoint.close("connection closed")
        if connection.replaced or self.sessions.get(endpoint.identity) is not connection:
            return
        del self.sessions[endpoint.identity]
        self._seen_flushed.pop(endpoint.identity, None)
        self._connections.disconnected(endpoint.context.station_id, datetime.fromtimestamp(endpoint.last_seen, UTC))
        self._disconnects += 1
        self._bus.publish(STATION_DISCONNECTED, StationDisconnected(endpoint.context.station_id, endpoint.identity))
        log.debug("station disconnected", identity=endpoint.identity)

    def throttled(self, connection: StationConnection) -> None:
        """A station went over its flow budget: its socket is not read for a moment (counted, summarised)."""
        self._throttled += 1

    def overran(self, connection: StationConnection) -> None:
        """A station kept sending far past its budget and is being disconnected; reconnecting costs it."""
        identity = connection.endpoint.identity
        address = _peer_address(connection)
        log.warning("station disconnected: it sends far more than its budget", identity=identity, source=address)
        self._admission.penalize(connection.endpoint.context, address)

    def connection(self, identity: str) -> StationConnection | None:
        return self.sessions.get(identity)

    def disconnect(self, identity: str, reason: str) -> bool:
        connection = self.sessions.get(identity)
        if connection is None:
            return False
        connection.endpoint.close(reason)
        connection.close(WSCloseCode.POLICY_VIOLATION, reason.encode()[:120])
        return True

    def station_removed(self, identity: str) -> None:
        self.disconnect(identity, "charge station deleted")

    def station_updated(self, update: StationUpdate) -> None:
        """Apply registry changes to a live session: its next BootNotification sees them."""
        connection = self.sessions.get(update.identity)
        if connection is None:
            return
        record = connection.endpoint.context
        record.registration_state = update.registration_state
        record.serial_number = update.serial_number
        # Kept true for whoever reads the live record; admission reads the database at each connection.
        record.migrating_security_profile = update.migrating_security_profile
        # Credentials and profile apply from the next connection; these two cannot wait.
        if update.registration_state is RegistrationState.REJECTED:
            self.disconnect(update.identity, "charge station rejected by its operator")
        elif update.ocpp_version != record.ocpp_version:
            self.disconnect(update.identity, "OCPP version changed; reconnect")

    async def _sweep_seen(self) -> None:
        sweeps_per_summary = round(SUMMARY_SECONDS / SEEN_SWEEP_SECONDS)
        sweeps = 0
        while True:
            await asyncio.sleep(SEEN_SWEEP_SECONDS)
            self._flush_seen()
            sweeps += 1
            if sweeps % sweeps_per_summary == 0:
                self._log_summary()

    def _log_summary(self) -> None:
        if self._connects or self._disconnects or self._throttled:
            log.info(
                "stations",
                connected=len(self.sessions),
                connects=self._connects,
                disconnects=self._disconnects,
                throttled=self._throttled,
                over_seconds=SUMMARY_SECONDS,
            )
            self._connects = self._disconnects = self._throttled = 0

    def _flush_seen(self) -> None:
        """Persist last-seen times that moved since they were stored (one update per station)."""
        flushed = self._seen_flushed
        moved = []
        for identity, connection in self.sessions.items():
            seen = connection.endpoint.last_seen
            if seen - flushed.get(identity, 0.0) >= SEEN_RESOLUTION_SECONDS:
                flushed[identity] = seen
                moved.append((connection.endpoint.context.station_id, datetime.fromtimestamp(seen, UTC)))
        if moved:
            self._connections.seen(moved)


def _peer_address(connection: StationConnection) -> str | None:
    transport = connection.transport
    if transport is None:
        return None
    peer = transport.underlying_transport.get_extra_info("peername")
    return str(peer[0]) if isinstance(peer, tuple) and peer else None


def _unbound_send(frame: bytes) -> None:
    raise RuntimeError("endpoint used before its connection was attached")
