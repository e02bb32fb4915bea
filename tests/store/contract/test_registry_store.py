"""The registry store's contract (`ports.registry`), through the port only: what core may rely on, on
every database Switchyard runs on."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from switchyard.clock import SystemClock
from switchyard.ports.configuration import ActionRecord
from switchyard.ports.registry import (
    ApiKeyRecord,
    OperatorChanges,
    OperatorRecord,
    RegisteredStation,
    RegistryStore,
    SiteChanges,
    SiteRecord,
    StationFields,
    WriteRefused,
    given,
)
from switchyard.store.configuration_store import DatabaseConfigurationStore
from switchyard.store.database import Database
from switchyard.store.group_commit import GroupCommit
from switchyard.store.registry_store import DatabaseRegistryStore
from switchyard.store.station_directory import DatabaseStationDirectory

T0 = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
LATER = T0 + timedelta(hours=1)
OP, OTHER = "o" * 24, "p" * 24


def ids(n: int) -> str:
    return f"{n:024x}"


def operator(operator_id: str, name: str, *, platform: bool = False, at: datetime = T0) -> OperatorRecord:
    return OperatorRecord(operator_id, name, platform, baseline_enabled=True, created_at=at, updated_at=at)


def key(key_id: str, operator_id: str = OP, *, at: datetime = T0, **more: object) -> ApiKeyRecord:
    return ApiKeyRecord(key_id, operator_id, "key", "admin", "hash-" + key_id, created_at=at, **more)  # type: ignore[arg-type]


def site(site_id: str, name: str, operator_id: str = OP, *, at: datetime = T0) -> SiteRecord:
    return SiteRecord(site_id, operator_id, name, "1 Quay Street", created_at=at, updated_at=at)


def station(
    station_id: str, identity: str, operator_id: str = OP, *, at: datetime = T0, **more: object
) -> RegisteredStation:
    written = RegisteredStation(
        id=station_id,
        operator_id=operator_id,
        identity=identity,
        ocpp_version="1.6",
        security_profile=1,
        password_hash="pbkdf2$hash",
        registration_state="accepted",
        created_at=at,
        updated_at=at,
    )
    return replace(written, **more)  # type: ignore[arg-type]


@pytest.fixture
async def store(database: Database) -> RegistryStore:
    """Two operators, the first one a platform operator."""
    registry = DatabaseRegistryStore(database)
    async with registry.transaction() as tx:
        await tx.operators.add(operator(OP, "Acme", platform=True))
        await tx.operators.add(operator(OTHER, "Other", at=T0 + timedelta(seconds=1)))
    return registry


# -- transactions --------------------------------------------------------------------------------


async def test_a_refused_write_rolls_back_its_whole_transaction(store: RegistryStore) -> None:
    async def site_and_taken_name() -> None:
        async with store.transaction() as tx:
            await tx.sites.add(site(ids(1), "Depot"))
            await tx.operators.add(operator(ids(2), "Acme"))  # the name is taken

    with pytest.raises(WriteRefused):
        await site_and_taken_name()
    async with store.reading() as tx:
        assert await tx.sites.get(ids(1)) is None
        assert await tx.operators.count() == 2


async def test_what_is_written_in_a_reading_look_is_not_kept(store: RegistryStore) -> None:
    async with store.reading() as tx:
        await tx.sites.add(site(ids(1), "Depot"))
    async with store.reading() as tx:
        assert await tx.sites.get(ids(1)) is None


# -- operators -----------------------------------------------------------------------------------


async def test_operators_read_back_as_written_oldest_first(store: RegistryStore) -> None:
    async with store.transaction() as tx:
        await tx.operators.add(operator(ids(9), "Early", at=T0 - timedelta(days=1)))
        await tx.operators.add(operator(ids(3), "Same instant", at=T0))  # same creation time: the id decides
    async with store.reading() as tx:
        assert await tx.operators.get(OP) == operator(OP, "Acme", platform=True)
        assert await tx.operators.get(ids(7)) is None
        assert await tx.operators.named("Other") == operator(OTHER, "Other", at=T0 + timedelta(seconds=1))
        assert await tx.operators.named("other") is None
        assert [o.id for o in await tx.operators.all()] == [ids(9), ids(3), OP, OTHER]
        assert await tx.operators.count() == 4


async def test_the_first_platform_operator_is_the_one_created_first(store: RegistryStore) -> None:
    async with store.reading() as tx:
        first = await tx.operators.first_platform()
    assert first is not None
    assert first.id == OP
    async with store.transaction() as tx:
        await tx.operators.add(operator(ids(1), "Earlier platform", platform=True, at=T0 - timedelta(days=1)))
        assert (await tx.operators.first_platform()) == operator(
            ids(1), "Earlier platform", platform=True, at=T0 - timedelta(days=1)
        )


async def test_no_platform_operator_is_none(database: Database) -> None:
    store = DatabaseRegistryStore(database)
    async with store.transaction() as tx:
        assert await tx.operators.count() == 0
        assert await tx.operators.all() == []
        await tx.operators.add(operator(OP, "Tenant"))
        assert await tx.operators.first_platform() is None


async def test_an_operator_update_writes_the_fields_given_and_the_time(store: RegistryStore) -> None:
    async with store.transaction() as tx:
        await tx.operators.update(OP, OperatorChanges(baseline_enabled=False), LATER)
    async with store.reading() as tx:
        assert await tx.operators.get(OP) == replace(
            operator(OP, "Acme", platform=True), baseline_enabled=False, updated_at=LATER
        )
    async with store.transaction() as tx:
        await tx.operators.update(OP, OperatorChanges(name="Acme Charging"), LATER)
    async with store.reading() as tx:
        renamed = await tx.operators.get(OP)
    assert renamed is not None
    assert (renamed.name, renamed.baseline_enabled) == ("Acme Charging", False)


async def test_an_operator_name_is_unique(store: RegistryStore) -> None:
    with pytest.raises(WriteRefused):
        async with store.transaction() as tx:
            await tx.operators.add(operator(ids(1), "Acme"))
    with pytest.raises(WriteRefused):
        async with store.transaction() as tx:
            await tx.operators.update(OTHER, OperatorChanges(name="Acme"), LATER)
    async with store.reading() as tx:
        assert (await tx.operators.get(OTHER)) == operator(OTHER, "Other", at=T0 + timedelta(seconds=1))


async def test_deleting_an_operator_takes_its_keys_and_sites_along(store: RegistryStore) -> None:
    async with store.transaction() as tx:
        await tx.keys.add(key(ids(1), OTHER))
        await tx.sites.add(site(ids(2), "Depot", OTHER))
        await tx.keys.add(key(ids(3), OP))
    async with store.transaction() as tx:
        await tx.operators.delete(OTHER)
    async with store.reading() as tx:
        assert await tx.operators.get(OTHER) is None
        assert await tx.keys.get(ids(1)) is None
        assert await tx.sites.get(ids(2)) is None
        assert await tx.keys.get(ids(3)) is not None


async def test_an_operator_with_stations_cannot_be_deleted(store: RegistryStore) -> None:
    async with store.transaction() as tx:
        await tx.stations.add(station(ids(1), "CP-1", OTHER))
    with pytest.raises(WriteRefused):
        async with store.transaction() as tx:
            await tx.operators.delete(OTHER)
    async with store.reading() as tx:
        assert await tx.operators.get(OTHER) is not None


# -- API keys ------------------------------------------------------------------------------------


async def test_keys_read_back_as_written_with_their_operators_platform_flag(store: RegistryStore) -> None:
    written = key(ids(1), created_by=ids(9))
    async with store.transaction() as tx:
        assert await tx.keys.count() == 0
        await tx.keys.add(written)
        await tx.keys.add(key(ids(2), OTHER))
    async with store.reading() as tx:
        assert await tx.keys.count() == 2
        assert await tx.keys.get(ids(1)) == written
        assert await tx.keys.get(ids(3)) is None
        assert await tx.keys.with_platform(ids(1)) == (written, True)
        assert await tx.keys.with_platform(ids(2)) == (key(ids(2), OTHER), False)
        assert await tx.keys.with_platform(ids(3)) is None


async def test_an_operators_keys_come_oldest_first(store: RegistryStore) -> None:
    async with store.transaction() as tx:
        await tx.keys.add(key(ids(3), at=T0))
        await tx.keys.add(key(ids(1), at=T0 + timedelta(seconds=1)))
        await tx.keys.add(key(ids(2), at=T0))
        await tx.keys.add(key(ids(4), OTHER))
    async with store.reading() as tx:
        assert [k.id for k in await tx.keys.of_operator(OP)] == [ids(2), ids(3), ids(1)]
        assert [k.id for k in await tx.keys.of_operator(OTHER)] == [ids(4)]


async def test_a_key_notes_its_use_and_its_revocation(store: RegistryStore) -> None:
    async with store.transaction() as tx:
        await tx.keys.add(key(ids(1)))
        await tx.keys.add(key(ids(2)))
    async with store.transaction() as tx:
        await tx.keys.note_use(ids(1), LATER)
        await tx.keys.revoke(ids(1), LATER + timedelta(seconds=1))
    async with store.reading() as tx:
        assert await tx.keys.get(ids(1)) == key(ids(1), last_used_at=LATER, revoked_at=LATER + timedelta(seconds=1))
        assert await tx.keys.get(ids(2)) == key(ids(2)), "only the key named"


# -- sites ---------------------------------------------------------------------------------------


async def test_sites_read_back_as_written_oldest_first(store: RegistryStore) -> None:
    async with store.transaction() as tx:
        await tx.sites.add(site(ids(2), "B", at=T0))
        await tx.sites.add(site(ids(1), "A", at=T0 + timedelta(seconds=1)))
        await tx.sites.add(site(ids(3), "C", at=T0))
        await tx.sites.add(site(ids(4), "A", OTHER))  # names are unique per operator only
    async with store.reading() as tx:
        assert await tx.sites.get(ids(1)) == site(ids(1), "A", at=T0 + timedelta(seconds=1))
        assert await tx.sites.get(ids(9)) is None
        assert [s.id for s in await tx.sites.of_operator(OP)] == [ids(2), ids(3), ids(1)]
        assert [s.id for s in await tx.sites.of_operator(OTHER)] == [ids(4)]


async def test_a_site_update_writes_the_fields_given_and_none_clears(store: RegistryStore) -> None:
    async with store.transaction() as tx:
        await tx.sites.add(site(ids(1), "Depot"))
        await tx.sites.update(ids(1), SiteChanges(address=None), LATER)
    async with store.reading() as tx:
        assert await tx.sites.get(ids(1)) == replace(site(ids(1), "Depot"), address=None, updated_at=LATER)


async def test_a_site_name_is_unique_for_its_operator(store: RegistryStore) -> None:
    async with store.transaction() as tx:
        await tx.sites.add(site(ids(1), "Depot"))
        await tx.sites.add(site(ids(2), "Yard"))
    with pytest.raises(WriteRefused):
        async with store.transaction() as tx:
            await tx.sites.add(site(ids(3), "Depot"))
    with pytest.raises(WriteRefused):
        async with store.transaction() as tx:
            await tx.sites.update(ids(2), SiteChanges(name="Depot"), LATER)
    async with store.reading() as tx:
        assert [s.name for s in await tx.sites.of_operator(OP)] == ["Depot", "Yard"]


async def test_a_site_with_stations_cannot_be_deleted(store: RegistryStore) -> None:
    async with store.transaction() as tx:
        await tx.sites.add(site(ids(1), "Depot"))
        await tx.sites.add(site(ids(2), "Empty"))
        await tx.stations.add(station(ids(3), "CP-1", site_id=ids(1)))
        assert await tx.stations.count_in_site(ids(1)) == 1
    with pytest.raises(WriteRefused):
        async with store.transaction() as tx:
            await tx.sites.delete(ids(1))
    async with store.transaction() as tx:
        await tx.sites.delete(ids(2))
    async with store.reading() as tx:
        assert await tx.sites.get(ids(1)) is not None
        assert await tx.sites.get(ids(2)) is None


# -- stations ------------------------------------------------------------------------------------


async def test_a_station_reads_back_as_written_every_field(store: RegistryStore) -> None:
    async with store.transaction() as tx:
        await tx.sites.add(site(ids(9), "Depot"))
    written = station(
        ids(1),
        "CP-1",
        site_id=ids(9),
        serial_number="SN-1",
        vendor="Vendor",
        model="Model",
        firmware_version="1.2.3",
        iccid="8944",
        imsi="2341",
        meter_type="AC",
        meter_serial_number="M-1",
        last_boot_at=T0,
        last_boot_reason="PowerUp",
        last_boot_status="Accepted",
        firmware_status="Installed",
        diagnostics_status="Idle",
        heartbeat_interval=300,
        migrating_security_profile=2,
        connection_state="connected",
        connected_node="node-1",
        connected_at=T0,
        last_seen_at=LATER,
    )
    async with store.transaction() as tx:
        await tx.stations.add(written)
        await tx.stations.add(station(ids(2), "CP-2", password_hash=None, security_profile=3))
    async with store.reading() as tx:
        assert await tx.stations.get(ids(1)) == written
        assert await tx.stations.get(ids(2)) == station(ids(2), "CP-2", password_hash=None, security_profile=3)
        assert await tx.stations.get(ids(3)) is None
        assert await tx.stations.by_identity("CP-1") == written
        assert await tx.stations.by_identity("cp-1") is None


async def test_an_identity_is_unique_across_operators(store: RegistryStore) -> None:
    async with store.transaction() as tx:
        await tx.stations.add(station(ids(1), "CP-1"))
    with pytest.raises(WriteRefused):
        async with store.transaction() as tx:
            await tx.stations.add(station(ids(2), "CP-1", OTHER))
    async with store.reading() as tx:
        found = await tx.stations.by_identity("CP-1")
    assert found is not None
    assert found.operator_id == OP


async def test_an_operators_stations_are_filtered_and_paged_oldest_first(store: RegistryStore) -> None:
    async with store.transaction() as tx:
        await tx.sites.add(site(ids(9), "Depot"))
        await tx.stations.add(station(ids(3), "CP-3", at=T0))
        await tx.stations.add(station(ids(1), "CP-1", at=T0 + timedelta(seconds=1), site_id=ids(9)))
        await tx.stations.add(station(ids(2), "CP-2", at=T0, site_id=ids(9)))
        await tx.stations.add(station(ids(4), "CP-4", OTHER))
    async with store.reading() as tx:
        of = tx.stations.of_operator
        assert [s.id for s in await of(OP)] == [ids(2), ids(3), ids(1)]
        assert [s.id for s in await of(OP, site_id=ids(9))] == [ids(2), ids(1)]
        assert [s.id for s in await of(OP, identity="CP-3")] == [ids(3)]
        assert [s.id for s in await of(OP, identity="CP-4")] == []
        assert [s.id for s in await of(OP, limit=2)] == [ids(2), ids(3)]
        assert [s.id for s in await of(OP, limit=2, offset=2)] == [ids(1)]
        assert await tx.stations.count_of_operator(OP) == 3
        assert await tx.stations.count_of_operator(OTHER) == 1
        assert await tx.stations.count_in_site(ids(9)) == 2


async def test_a_station_update_writes_only_the_fields_given(store: RegistryStore, database: Database) -> None:
    async with store.transaction() as tx:
        await tx.sites.add(site(ids(9), "Depot"))
        await tx.stations.add(station(ids(1), "CP-1", serial_number="SN-1", vendor="Vendor"))
    # Another writer (a login adopting a pending password) changes the row after the registry read it.
    configuration = DatabaseConfigurationStore(database, GroupCommit(database))
    async with configuration.transaction() as ctx:
        await ctx.passwords.adopt(ids(1), "adopted-hash", T0)
    fields = StationFields(site_id=ids(9), serial_number=None, registration_state="pending")
    async with store.transaction() as tx:
        await tx.stations.update(ids(1), fields, LATER)
    async with store.reading() as tx:
        updated = await tx.stations.get(ids(1))
    expected = replace(station(ids(1), "CP-1", vendor="Vendor", password_hash="adopted-hash"), **given(fields))
    assert updated == replace(expected, updated_at=LATER)


async def test_the_migrating_security_profile_is_written_and_cleared_alone(
    store: RegistryStore, database: Database
) -> None:
    written = station(ids(1), "CP-1", serial_number="SN-1", vendor="Vendor")
    directory = DatabaseStationDirectory(database, SystemClock())  # what the gateway reads at each login
    async with store.transaction() as tx:
        await tx.stations.add(written)
        await tx.stations.update(ids(1), StationFields(migrating_security_profile=2), LATER)
    async with store.reading() as tx:
        assert await tx.stations.get(ids(1)) == replace(written, migrating_security_profile=2, updated_at=LATER)
    found = await directory.find("CP-1")
    assert found is not None
    assert (found.security_profile, found.migrating_security_profile) == (1, 2)
    cleared_at = LATER + timedelta(hours=1)
    async with store.transaction() as tx:
        await tx.stations.update(ids(1), StationFields(migrating_security_profile=None), cleared_at)
    async with store.reading() as tx:
        assert await tx.stations.get(ids(1)) == replace(written, updated_at=cleared_at)
    found = await directory.find("CP-1")
    assert found is not None
    assert (found.security_profile, found.migrating_security_profile) == (1, None)


async def test_pending_passwords_are_dropped_for_the_station_named(store: RegistryStore, database: Database) -> None:
    configuration = await with_pending_passwords(store, database)
    async with store.transaction() as tx:
        await tx.stations.drop_pending_passwords(ids(1))
    async with configuration.reading() as ctx:
        assert await ctx.passwords.get(ids(3)) is None
        assert await ctx.passwords.get(ids(4)) == "pending-4", "only the station named"
        assert await ctx.actions.get(ids(3)) is not None, "the action stays"


async def test_a_station_is_deleted_with_what_was_recorded_about_it(store: RegistryStore, database: Database) -> None:
    configuration = await with_pending_passwords(store, database)
    async with store.transaction() as tx:
        await tx.stations.delete(ids(2))
    async with store.reading() as tx:
        assert await tx.stations.get(ids(2)) is None
        assert await tx.stations.get(ids(1)) is not None
    async with configuration.reading() as ctx:
        assert await ctx.actions.get(ids(4)) is None
        assert await ctx.passwords.get(ids(4)) is None
        assert await ctx.passwords.get(ids(3)) == "pending-3"


async def with_pending_passwords(store: RegistryStore, database: Database) -> DatabaseConfigurationStore:
    """Stations ids(1) and ids(2), each with a password change (ids(3), ids(4)) pending."""
    async with store.transaction() as tx:
        await tx.stations.add(station(ids(1), "CP-1"))
        await tx.stations.add(station(ids(2), "CP-2"))
    configuration = DatabaseConfigurationStore(database, GroupCommit(database))
    async with configuration.transaction() as ctx:
        for n, station_id in ((3, ids(1)), (4, ids(2))):
            await ctx.actions.add(password_change(ids(n), station_id))
            await ctx.passwords.add(ids(n), station_id, f"pending-{n}", T0, keep=3)
    return configuration


def password_change(action_id: str, station_id: str) -> ActionRecord:
    return ActionRecord(
        id=action_id,
        operator_id=OP,
        station_id=station_id,
        type="chargestation.update_configuration",
        status="requested",
        phase="awaiting_response",
        data={"key": "AuthorizationKey"},
        target={"name": "AuthorizationKey", "kind": "password"},
        expires_at=LATER,
        created_at=T0,
        updated_at=T0,
    )
