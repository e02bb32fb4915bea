"""The migration services of one node, built from its ports: the fleet-job runner with the two
drivers (outbound and inbound migrations), and the services the API calls."""

from dataclasses import dataclass

from switchyard.bus.local import LocalBus
from switchyard.cipher import SecretCipher
from switchyard.clock import Clock
from switchyard.core.fleet_jobs.runner import FleetJobRunner
from switchyard.core.migration.arrival import ArrivalWatch, StationProfiles
from switchyard.core.migration.candidates import CandidateFacts
from switchyard.core.migration.driver import MigrationDriver
from switchyard.core.migration.execution import StationCommands
from switchyard.core.migration.inbound import InboundDriver, InboundMigrations
from switchyard.core.migration.lookout import NodeLookout, SessionUrls
from switchyard.core.migration.peer import PeerPool
from switchyard.core.migration.service import Migrations
from switchyard.core.migration.station_watch import StationWatch
from switchyard.core.registry.stations import Stations
from switchyard.ports import StationControl, StationLink
from switchyard.ports.configuration import ConfigurationStore
from switchyard.ports.fleet_jobs import FleetJobStore
from switchyard.ports.registry import RegistryStore
from switchyard.settings import Settings


@dataclass(frozen=True, slots=True)
class MigrationServices:
    runner: FleetJobRunner
    migrations: Migrations
    inbound: InboundMigrations
    peers: PeerPool

    async def close(self) -> None:
        """Stop the procedures running here (they resume from their step on the next start)."""
        await self.runner.close()
        await self.peers.close()


@dataclass(frozen=True, slots=True)
class MigrationPorts:
    fleet: FleetJobStore
    registry: RegistryStore
    stations: Stations
    configuration: ConfigurationStore
    link: StationLink
    sessions: SessionUrls
    control: StationControl
    profiles: StationProfiles
    bus: LocalBus


def build_migrations(
    ports: MigrationPorts, clock: Clock, cipher: SecretCipher, settings: Settings
) -> MigrationServices:
    runner = FleetJobRunner(ports.fleet, clock)
    watch = StationWatch(ports.bus, clock)
    lookout = NodeLookout(ports.link, ports.sessions, ports.configuration)
    commands = StationCommands(ports.control, lookout, clock, settings.call_timeout)
    # A station that rebooted boots first thing after it reconnects: give its boot time to be written.
    peers = PeerPool()
    arrival = ArrivalWatch(watch, lookout, clock, settings.migration_poll_seconds, settings.boot_grace + 1.0, peers)
    runner.register(
        MigrationDriver(
            ports.fleet, commands, arrival, ports.profiles, clock, cipher, settings.migration_reconnect_wait
        )
    )
    runner.register(InboundDriver(ports.fleet, watch, lookout, commands, clock))
    candidates = CandidateFacts(ports.link, ports.configuration, ports.fleet, peers)
    migrations = Migrations(ports.fleet, ports.registry, runner, candidates, commands, cipher, clock)
    inbound = InboundMigrations(ports.fleet, ports.stations, runner, clock)
    return MigrationServices(runner, migrations, inbound, peers)
