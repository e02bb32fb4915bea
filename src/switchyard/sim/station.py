"""A simulated charging station: connects, boots, heartbeats, answers the CSMS as its firmware would.

One `SimulatedStation` is one station; thousands share an event loop (`SimulatedFleet`). The OCPP
logic is the same `OcppEndpoint` the gateway uses, seen from the other side: the CSMS's calls arrive
as handler calls, the station's own calls go through the endpoint's call pipe.
"""

import asyncio
import base64
import contextlib
import json
import logging
import os
import random
import ssl
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import structlog
from picows import WSError, ws_connect

from switchyard.errors import StationCallFailed
from switchyard.protocol.endpoint import OcppEndpoint
from switchyard.protocol.framing import CALL
from switchyard.protocol.schemas import schema_set
from switchyard.sim.audit import AUDIT, FrameAudit
from switchyard.sim.fault_behaviour import CallFaults, drop_connection, refuse_unreachable
from switchyard.sim.firmware import Firmware, build_firmware
from switchyard.sim.network import Route, Target
from switchyard.sim.spec import StationSpec
from switchyard.ws_messages import OcppMessages

log = structlog.get_logger("switchyard.sim")
_picows_log = logging.LoggerAdapter(logging.getLogger("picows.client"), {})
logging.getLogger("picows.client").setLevel(logging.WARNING)

# The largest message a simulated station takes from the CSMS, whole or reassembled from fragments.
MAX_MESSAGE_BYTES = 8 * 1024 * 1024


@dataclass
class Received:
    """A CSMS call as the station saw it."""

    action: str
    payload: dict[str, Any]
    at: float


class _Observer:
    """Records the CSMS's calls and audits every frame the station sends."""

    def __init__(self, station: "SimulatedStation", audit: FrameAudit) -> None:
        self._station = station
        self._audit = audit

    def message(
        self,
        endpoint: OcppEndpoint,
        direction: str,
        message_type: int,
        message_id: str | None,
        action: str | None,
        payload: Any,
    ) -> None:
        station = self._station
        station.messages += 1
        if direction == "out":
            self._audit.check(station.spec.ocpp, message_type, action, payload)
            if message_type == CALL and action is not None:
                station.sent.append(Received(action, payload, time.time()))
        elif message_type == CALL and action is not None:
            station.received.append(Received(action, payload, time.time()))
        elif message_type == 0:
            station.errors += 1


class SimulatedStation:
    def __init__(self, spec: StationSpec, audit: FrameAudit = AUDIT) -> None:
        self.spec = spec
        self.identity = spec.identity
        self.audit = audit
        self.firmware: Firmware = build_firmware(self)
        # The latest calls each way, for tests and diagnosis (bounded: fleets run for days).
        self.received: deque[Received] = deque(maxlen=1000)
        self.sent: deque[Received] = deque(maxlen=1000)
        self.messages = 0
        self.errors = 0
        self.connections = 0
        self.boots: list[tuple[str, str, str]] = []  # (url, reason, status)
        self.connected = asyncio.Event()
        self.booted = asyncio.Event()
        self.boot_status: str | None = None
        self.heartbeat_interval = 0
        self.target: Target | None = None
        self.route = Route()
        self.endpoint: OcppEndpoint | None = None
        self._socket: OcppMessages | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._reboot_reason: str | None = "PowerUp"
        self._offline_until = 0.0
        self._last_slot: str | None = None
        self._ever_accepted = False
        self._call_faults = CallFaults()
        self._background: set[asyncio.Task[Any]] = set()
        self._reconnect = asyncio.Event()
        self.transactions: dict[int, str] = {}  # connector -> transaction reference
        # A fleet shares one semaphore so thousands of stations do not all connect at the same instant.
        self.connect_gate: asyncio.Semaphore | None = None
        self.load_state()
        self.route.restart(self.firmware.network_candidates(), self.firmware.attempts_per_slot())

    # -- lifecycle ----------------------------------------------------------------------------

    async def __aenter__(self) -> "SimulatedStation":
        self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name=f"sim-{self.identity}")

    async def stop(self) -> None:
        self._stopping = True
        if self._socket is not None:
            self._socket.close()
        for task in (self._task, *self._background):
            if task is not None:
                task.cancel()
        for task in (self._task, *self._background):
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._task = None
        self._background.clear()

    async def wait_booted(self, timeout: float = 10.0) -> str | None:
        """Wait until a BootNotification was answered; returns its status."""
        async with asyncio.timeout(timeout):
            await self.booted.wait()
        return self.boot_status

    async def wait_connected(self, timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            await self.connected.wait()

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 10.0, every: float = 0.02) -> None:
        async with asyncio.timeout(timeout):
            # Tests wait for arbitrary conditions on the station; polling keeps the station free of hooks.
            while not condition():  # noqa: ASYNC110
                await asyncio.sleep(every)

    # -- the connection loop ------------------------------------------------------------------

    async def _run(self) -> None:
        failures = 0
        loop = asyncio.get_running_loop()
        while not self._stopping:
            if self._offline_until > loop.time():
                await asyncio.sleep(self._offline_until - loop.time())
            target = self.route.next() or Target("initial", self.spec.url, self.spec.security_profile)
            try:
                if self.connect_gate is not None:
                    async with self.connect_gate:
                        socket = await self._connect(target)
                else:
                    socket = await self._connect(target)
            except Exception as exc:
                if self._stopping:
                    return
                failures += 1
                self.route.failed()
                if isinstance(exc, OSError | TimeoutError | WSError):
                    log.debug("station could not connect", identity=self.identity, url=target.url, error=str(exc))
                else:
                    log.exception("station connect failed unexpectedly", identity=self.identity, url=target.url)
                await asyncio.sleep(self._backoff(failures))
                continue
            failures = 0
            self.route.succeeded(target)
            self.firmware.connected_on(target)
            await self._session(socket, target)
            if self._stopping:
                return
            if self._reboot_reason is None:
                await asyncio.sleep(self._backoff(1))

    def _backoff(self, failures: int) -> float:
        wait = min(self.spec.backoff_min * float(2 ** min(failures - 1, 10)), self.spec.backoff_max)
        return wait * (0.5 + random.random() / 2)  # noqa: S311

    async def _connect(self, target: Target) -> OcppMessages:
        refuse_unreachable(self.spec.faults, target, self.route.last_good, self.spec.url)
        dialect = self.firmware.dialect
        endpoint = OcppEndpoint(
            identity=self.identity,
            dialect=dialect,
            schemas=schema_set(dialect.version),
            handlers=self._call_faults.wrap(self.firmware.handlers(), self.spec.faults),
            send=lambda frame: None,
            observer=_Observer(self, self.audit),
            context=self,
            accepted=True,
        )
        socket = OcppMessages(endpoint, MAX_MESSAGE_BYTES)
        endpoint.send = socket.send
        headers = {"Sec-WebSocket-Protocol": dialect.subprotocol}
        if target.security_profile in (1, 2):
            credentials = self.firmware.basic_credentials()
            if credentials is not None:
                headers["Authorization"] = "Basic " + base64.b64encode(credentials).decode()
        url = f"{target.url.rstrip('/')}/{quote(self.identity, safe='')}"
        context = self._tls_context(target) if url.startswith("wss://") else None
        transport, _ = await ws_connect(
            lambda: socket,
            url,
            ssl_context=context,
            extra_headers=headers,
            websocket_handshake_timeout=self.spec.connect_timeout,
            logger_name=_picows_log,
            read_buffer_init_size=4096,
            max_frame_size=MAX_MESSAGE_BYTES,
        )
        chosen = transport.response.headers.get("Sec-WebSocket-Protocol")
        if chosen != dialect.subprotocol:
            transport.disconnect()
            raise ConnectionError(f"the CSMS did not accept {dialect.subprotocol} (answered {chosen!r})")
        socket.transport = transport
        self.endpoint = endpoint
        self._socket = socket
        self.target = target
        self.connections += 1
        return socket

    def _tls_context(self, target: Target) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self.spec.ca_file) if self.spec.ca_file else None)
        if target.security_profile == 3 and self.spec.client_cert is not None:
            context.load_cert_chain(self.spec.client_cert, self.spec.client_key)
        return context

    async def _session(self, socket: OcppMessages, target: Target) -> None:
        assert socket.transport is not None
        self.connected.set()
        work = asyncio.create_task(self._operate(target))
        faults = asyncio.create_task(drop_connection(self.spec.faults, socket)) if self.spec.faults.any else None
        reconnect = asyncio.create_task(self._reconnect.wait())
        disconnected = asyncio.ensure_future(socket.transport.wait_disconnected())
        try:
            await asyncio.wait({work, disconnected, reconnect}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (work, faults, reconnect, disconnected):
                if task is not None and not task.done():
                    task.cancel()
            for task in (work, disconnected):
                if task.done() and not task.cancelled() and task.exception() is not None:
                    log.debug("station session ended", identity=self.identity, error=str(task.exception()))
            socket.close()
            self._call_faults.connection_ended()
            if self.endpoint is not None:
                self.endpoint.close("connection closed")
            self._reconnect.clear()
            self.connected.clear()
            self._socket = None

    async def _operate(self, target: Target) -> None:
        """Boot when needed, report connectors, then heartbeat until the connection ends."""
        reason = self._reboot_reason
        changed_profile = self._last_slot is not None and self._last_slot != target.slot
        self._last_slot = target.slot
        # A station boots after a reboot, on a different network profile (B10.FR.10), or until accepted.
        if reason is not None or changed_profile or not self._ever_accepted:
            await self._boot(reason or "Unknown")
        self._reboot_reason = None
        while True:
            await asyncio.sleep(self.heartbeat_interval or 3600)
            await self.call("Heartbeat", {})

    async def _boot(self, reason: str) -> None:
        self.booted.clear()
        faults = self.spec.faults
        if faults.boot == "rejected":
            # Firmware that hangs up right after sending its BootNotification, every time.
            self.spawn(self.call("BootNotification", self.firmware.boot_payload(reason), timeout=5))
            await asyncio.sleep(0.05)
            if self._socket is not None:
                self._socket.close()
            await asyncio.Event().wait()
        while True:
            answer = await self.call("BootNotification", self.firmware.boot_payload(reason))
            status, interval = answer["status"], int(answer.get("interval", 0))
            self.boots.append((self.target.url if self.target else "", reason, status))
            self.boot_status = status
            self.booted.set()
            if status == "Accepted" and faults.boot != "pending":
                self._ever_accepted = True
                # Booted: a connection lost from here on (even before the status reports) is no reboot.
                self._reboot_reason = None
                self.heartbeat_interval = interval
                for payload in self.firmware.status_payloads("Available"):
                    await self.call("StatusNotification", payload)
                return
            # Pending or Rejected: wait what the CSMS asked (or a default) and boot again.
            await asyncio.sleep(interval if interval > 0 else 30)

    # -- what tests and the fleet use ---------------------------------------------------------

    async def call(self, action: str, payload: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        """A station-initiated call; the CSMS's validated answer."""
        if self.endpoint is None:
            raise ConnectionError(f"{self.identity} is not connected")
        return await self.endpoint.pipe.call(action, payload, timeout or self.spec.call_timeout)

    def spawn(self, work: Awaitable[Any]) -> "asyncio.Future[Any]":
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    def request_reconnect(self) -> None:
        """Drop the connection and connect again (a new password or security profile applies)."""
        self._reconnect.set()

    async def reboot(self, reason: str) -> None:
        """Go offline for `reboot_seconds`, apply what waited for a reboot, and boot again."""
        with contextlib.suppress(StationCallFailed, ConnectionError):
            for payload in self.firmware.status_payloads("Unavailable"):
                await self.call("StatusNotification", payload, timeout=5)
        self._reboot_reason = reason
        self._offline_until = asyncio.get_running_loop().time() + self.spec.reboot_seconds
        self.firmware.reboot()
        self.save_state()
        self.route.restart(self.firmware.network_candidates(), self.firmware.attempts_per_slot())
        if self._socket is not None:
            self._socket.close()
        self.connected.clear()

    async def start_transaction(self, connector: int = 1, id_token: str = "TAG-1") -> str:  # noqa: S107
        reference = await self.firmware.start_transaction(connector, id_token)
        self.transactions[connector] = reference
        return reference

    async def stop_transaction(self, connector: int = 1, reason: str = "Local") -> None:
        reference = self.transactions.pop(connector)
        await self.firmware.stop_transaction(connector, reference, reason)
        self.firmware.transaction_ended()

    def value(self, name: str) -> str | None:
        """A configuration key (1.6) or `Component.Variable[instance]` (2.0.1), as the firmware holds it."""
        return self.firmware.value(name)

    def received_actions(self) -> list[str]:
        return [r.action for r in self.received]

    def sent_actions(self) -> list[str]:
        return [r.action for r in self.sent]

    # -- persistence --------------------------------------------------------------------------

    @property
    def state_file(self) -> Path | None:
        if self.spec.state_dir is None:
            return None
        return self.spec.state_dir / f"{quote(self.identity, safe='')}.json"

    def save_state(self) -> None:
        path = self.state_file
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.firmware.state()), encoding="utf-8")
        os.replace(temporary, path)

    def load_state(self) -> None:
        """Restore what a previous run left; a station seen for the first time writes its factory state."""
        path = self.state_file
        if path is None:
            return
        if path.exists():
            self.firmware.restore(json.loads(path.read_text(encoding="utf-8")))
        else:
            self.save_state()
