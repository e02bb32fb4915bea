"""One Switchyard node: every service wired together, started and stopped in order."""

import asyncio
import io
from collections.abc import Awaitable, Callable

import structlog
from sqlalchemy import update

from switchyard.bus.local import LocalBus
from switchyard.cipher import SecretCipher
from switchyard.clock import Clock, SystemClock
from switchyard.core.config_reader import ConfigurationReader
from switchyard.core.configuration import Configuration
from switchyard.core.message_log import MessageLog
from switchyard.core.migration.assembly import MigrationPorts, build_migrations
from switchyard.core.migration.profiles import RegistryProfiles
from switchyard.core.registry import LiveHooks, Registry, StationTls
from switchyard.core.retention import Retention
from switchyard.core.security_alerts import SecurityAlerts
from switchyard.core.sequencer import Sequencer
from switchyard.core.station_activity import StationActivity
from switchyard.core.webhooks.dispatcher import WebhookDispatcher
from switchyard.core.webhooks.events import EventLog
from switchyard.core.webhooks.subscriptions import Subscriptions
from switchyard.gateway.admission import Admission
from switchyard.gateway.link import LocalStationLink
from switchyard.gateway.presence import LocalPresence
from switchyard.gateway.server import Gateway
from switchyard.ports import Presence
from switchyard.ports.fleet_jobs import FleetJobStore
from switchyard.protocol.adapters import StationControls, build_handler_tables
from switchyard.settings import Settings
from switchyard.store.configuration_store import DatabaseConfigurationStore
from switchyard.store.database import Database, default_key_file
from switchyard.store.fleet_job_store import DatabaseFleetJobStore
from switchyard.store.group_commit import GroupCommit
from switchyard.store.outbox import install_commit_hook
from switchyard.store.recorder import Recorder
from switchyard.store.registry_store import DatabaseRegistryStore
from switchyard.store.retention_rows import DatabaseRetentionStore
from switchyard.store.security_alert_log import DatabaseSecurityAlertLog
from switchyard.store.station_directory import DatabaseStationDirectory
from switchyard.store.tables import Station
from switchyard.store.transactions import TransactionStore
from switchyard.store.webhook_store import DatabaseWebhookStore

log = structlog.get_logger("switchyard.node")
# How long one service may take to stop (the longest graceful wait inside any of them is 5 s).
STOP_STEP_SECONDS = 30.0


class Switchyard:
    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.db = Database(settings.database_url)
        self.recorder = Recorder(
            self.db, settings.recorder_flush_interval, max_log_bytes=settings.recorder_max_pending_log_bytes
        )
        self.bus = LocalBus()
        self.activity = StationActivity(settings, self.recorder, TransactionStore(self.db), self.clock, self.bus)
        self.message_log = MessageLog(
            self.recorder, settings.message_log, self.clock, settings.message_log_max_payload_bytes
        )
        self.directory = DatabaseStationDirectory(self.db, self.clock, settings.open_registration_operator)
        self.security_alerts = SecurityAlerts(DatabaseSecurityAlertLog(self.db), self.clock)
        admission = Admission(
            self.directory,
            settings.ocpp_path_prefix,
            settings.open_registration,
            settings.station_password_iterations,
            alert=self.security_alerts.logins_throttled,
        )
        self.gateway = Gateway(
            settings,
            admission,
            build_handler_tables(self.activity, self.clock),
            self.message_log,
            self.recorder,
            self.clock,
            self.bus,
        )
        self.link = LocalStationLink(self.gateway, settings.call_timeout)
        # What the API knows of live sessions (never the gateway's own objects).
        self.presence: Presence = LocalPresence(self.gateway)
        self.registry_store = DatabaseRegistryStore(self.db)
        self.registry = Registry(
            self.registry_store,
            self.clock,
            settings.station_password_iterations,
            LiveHooks(removed=self.gateway.station_removed, updated=self.gateway.station_updated),
            StationTls.configured(settings.tls_cert_file, settings.tls_key_file, settings.tls_client_ca_file),
        )
        self.retention = Retention(
            DatabaseRetentionStore(self.db),
            self.clock,
            settings.message_log_retention_days,
            settings.webhook_event_retention_days,
            station_rows=settings.message_log_station_rows,
            total_rows=settings.message_log_total_rows,
        )
        self._build_webhooks(settings)
        self._build_configuration(settings)
        self._build_migrations(settings)

    def _build_migrations(self, settings: Settings) -> None:
        # Where the fleet-job runner (ADR 0010) keeps jobs and their members; typed by the port it serves.
        self.fleet_job_store: FleetJobStore = DatabaseFleetJobStore(self.db, self.writes)
        # CSMS migrations, outbound and inbound, run by the fleet-job runner.
        ports = MigrationPorts(
            fleet=self.fleet_job_store,
            registry=self.registry_store,
            stations=self.registry.stations,
            configuration=self.configuration_store,
            link=self.link,
            sessions=self.presence,
            control=self.control,
            profiles=RegistryProfiles(self.registry_store, self.clock),
            bus=self.bus,
        )
        self.migration = build_migrations(ports, self.clock, self.webhooks.cipher, settings)

    def _build_webhooks(self, settings: Settings) -> None:
        # Delivers the webhook events that services write with core.webhooks.enqueue.
        key = settings.secret_key.get_secret_value() if settings.secret_key is not None else None
        # Encrypts station passwords on their way to the station and webhook signing secrets at rest.
        self.cipher = SecretCipher(key, settings.secret_key_file or default_key_file(settings.database_url))
        webhook_store = DatabaseWebhookStore(self.db)
        self.webhooks = WebhookDispatcher(webhook_store, settings, self.clock, self.cipher)
        # A commit that wrote events wakes the dispatcher at once (ADR 0005).
        install_commit_hook(self.db.sessions, self.webhooks.notify)
        # Built once per node; the API routes call these.
        self.subscriptions = Subscriptions(webhook_store, self.clock, self.webhooks.cipher, self.webhooks.targets)
        self.events = EventLog(webhook_store, self.webhooks.notify)

    def _build_configuration(self, settings: Settings) -> None:
        """Reading and changing stations' configuration: the station adapters, its store, the sequencer."""
        # What core asks of stations, said in each station's OCPP version.
        self.control = StationControls(self.link, self.bus, page_timeout=settings.configuration_read_timeout)
        # Small writes that must be durable before their caller goes on share transactions.
        self.writes = GroupCommit(self.db)
        self.configuration_store = DatabaseConfigurationStore(self.db, self.writes)
        self.reader = ConfigurationReader(self.configuration_store, self.control, self.clock)
        self.sequencer = Sequencer(
            self.configuration_store,
            self.link,
            self.control,
            self.reader,
            self.bus,
            self.clock,
            settings,
            self.webhooks.cipher.decrypt,
            self.webhooks.notify,
        )
        self.configuration = Configuration(
            self.configuration_store,
            self.sequencer,
            self.control,
            self.webhooks.cipher,
            self.clock,
            settings,
            self.webhooks.notify,
        )

    async def start(self) -> str | None:
        """Migrate, bootstrap and start listening; returns the first admin key on an empty database."""
        await self.db.upgrade()
        await self._forget_stale_connections()
        await self.registry.operators.bootstrap()
        self.recorder.start()
        self.retention.start()
        self.webhooks.start()
        await self.gateway.start()
        # After the gateway: lanes resumed from the database find their stations as they reconnect.
        await self.sequencer.start()
        # Jobs resumed after a restart wait for their stations to reconnect before calling them.
        await self.migration.runner.recover()
        # Only once the gateway listens: a key created by a start that then fails would never be shown.
        return await self.registry.keys.bootstrap()

    async def stop(self, step_seconds: float = STOP_STEP_SECONDS) -> list[str]:
        """Stop every service in order; returns the steps that failed or overran `step_seconds`.

        A stuck step is logged and left behind, so it never keeps the services after it (the recorder's
        last flush, the database) from stopping: a node that cannot stop cannot be restarted either.
        """
        steps: list[tuple[str, Callable[[], Awaitable[None]]]] = [
            ("fleet jobs", self.migration.close),
            ("sequencer", self.sequencer.stop),
            ("gateway", self.gateway.stop),
            ("security alerts", self.security_alerts.drain),
            ("webhooks", self.webhooks.stop),
            ("retention", self.retention.stop),
            ("recorder", self.recorder.stop),
            ("database", self.db.close),
        ]
        problems = []
        for name, step in steps:
            running = asyncio.ensure_future(step())
            done, _ = await asyncio.wait({running}, timeout=step_seconds)
            if not done:
                # Where everything waits, taken before the cancel unwinds it: what the stuck step waits on.
                log.error("node stop step overran its bound", step=name, seconds=step_seconds, tasks=_task_stacks())
                problems.append(f"{name}: still running after {step_seconds:g} s")
                running.cancel()
                await asyncio.wait({running})
            elif (exc := running.exception()) is not None:
                log.error("node stop step failed", step=name, exc_info=exc)
                problems.append(f"{name}: {exc.__class__.__name__}: {exc}")
        return problems

    async def _forget_stale_connections(self) -> None:
        # Sockets this node held before a restart are gone, whatever the table says.
        async with self.db.transaction() as session:
            await session.execute(
                update(Station)
                .where(Station.connected_node == self.settings.node_id)
                .values(connection_state="disconnected", connected_node=None)
            )


def _task_stacks() -> str:
    out = io.StringIO()
    for task in asyncio.all_tasks():
        out.write(f"-- {task.get_name()}\n")
        task.print_stack(limit=12, file=out)
    return out.getvalue()
