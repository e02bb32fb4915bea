"""The configuration store's contract (`ports.configuration`), through the port only: what core may
rely on, on every database Switchyard runs on."""

from datetime import UTC, datetime, timedelta

import pytest

from switchyard.clock import SystemClock
from switchyard.domain import TransactionPhase, TransactionUpdate
from switchyard.ports.configuration import ActionRecord, ConfigurationStore, ConfigurationTx, ReportedRow
from switchyard.ports.outbox import OutboxEvent
from switchyard.store.configuration_store import DatabaseConfigurationStore
from switchyard.store.database import Database
from switchyard.store.group_commit import GroupCommit
from switchyard.store.station_directory import DatabaseStationDirectory
from switchyard.store.transactions import TransactionStore
from tests.store.rows import add_operator_with_stations

OPERATOR, OTHER = "o" * 24, "p" * 24
A, B, C = "a" * 24, "b" * 24, "c" * 24
T0 = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
READ = "chargestation.get_configuration"
CHANGE = "chargestation.update_configuration"


@pytest.fixture
async def store(database: Database) -> ConfigurationStore:
    await add_operator_with_stations(database, OPERATOR, [(A, "CP-A"), (B, "CP-B")])
    await add_operator_with_stations(database, OTHER, [(C, "CP-C")], name="other")
    return DatabaseConfigurationStore(database, GroupCommit(database))


def action(
    action_id: str, station_id: str = A, *, at: datetime = T0, phase: str = "queued", type: str = CHANGE, **more: object
) -> ActionRecord:
    operator = OTHER if station_id == C else OPERATOR
    return ActionRecord(
        id=action_id,
        operator_id=operator,
        station_id=station_id,
        type=type,
        status=str(more.pop("status", "requested")),
        phase=phase,
        data={"key": "HeartbeatInterval", "value": "60"},
        target={"name": "HeartbeatInterval", "kind": "integer"},
        expires_at=at + timedelta(hours=1),
        created_at=at,
        updated_at=at,
        **more,  # type: ignore[arg-type]
    )


def ids(n: int) -> str:
    return f"{n:024d}"


# -- actions ------------------------------------------------------------------------------------


async def test_an_action_reads_back_as_written(store: ConfigurationStore) -> None:
    written = action(ids(1), secret="cipher", created_by="k" * 24, reason="why", value_before="30")
    async with store.transaction() as tx:
        await tx.actions.add(written)
    async with store.reading() as tx:
        assert await tx.actions.get(ids(1)) == written
        assert await tx.actions.get(ids(2)) is None


async def test_open_actions_come_oldest_first_and_done_ones_are_left_out(store: ConfigurationStore) -> None:
    async with store.transaction() as tx:
        await tx.actions.add_many(
            [
                action(ids(3), at=T0 + timedelta(seconds=1)),
                action(ids(2), at=T0),
                action(ids(1), at=T0),  # same instant: the id decides
                action(ids(4), phase="done", status="completed"),
                action(ids(5), B, phase="awaiting_reboot"),
            ]
        )
    async with store.reading() as tx:
        assert [a.id for a in await tx.actions.open_for(A)] == [ids(1), ids(2), ids(3)]
        assert await tx.actions.count_open(A) == 3
        assert await tx.actions.count_open(C) == 0
        assert await tx.actions.stations_with_open() == {A, B}


async def test_queued_reads_are_only_reads_not_sent_yet(store: ConfigurationStore) -> None:
    async with store.transaction() as tx:
        await tx.actions.add_many(
            [
                action(ids(1), A, type=READ),
                action(ids(2), B, type=READ, phase="sending"),
                action(ids(3), C, type=CHANGE),
            ]
        )
    async with store.reading() as tx:
        assert await tx.actions.queued_reads([A, B, C]) == {A}
        assert await tx.actions.queued_reads([]) == set()


async def test_update_sets_only_the_fields_named(store: ConfigurationStore) -> None:
    async with store.transaction() as tx:
        await tx.actions.add(action(ids(1), reason="kept"))
        await tx.actions.update(ids(1), {"phase": "sending", "sent_at": T0, "response_data": {"status": "Accepted"}})
    async with store.reading() as tx:
        stored = await tx.actions.get(ids(1))
    assert stored is not None
    assert (stored.phase, stored.sent_at, stored.response_data) == ("sending", T0, {"status": "Accepted"})
    assert (stored.reason, stored.status) == ("kept", "requested")


async def test_value_before_is_the_reported_value_as_the_action_leaves(store: ConfigurationStore) -> None:
    async with store.transaction() as tx:
        await tx.reported.replace(A, [ReportedRow("HeartbeatInterval", "300", False)], T0)
        await tx.actions.add_many([action(ids(1), value_before="asked-for"), action(ids(2))])
        before = await tx.actions.update_before_of(ids(1), {"phase": "sending"}, "HeartbeatInterval")
        unknown = await tx.actions.update_before_of(ids(2), {"phase": "sending"}, "NotReported")
    assert (before, unknown) == ("300", None)
    async with store.reading() as tx:
        first, second = await tx.actions.get(ids(1)), await tx.actions.get(ids(2))
    assert first is not None
    assert second is not None
    assert (first.value_before, first.phase, second.value_before) == ("300", "sending", None)


async def test_newest_actions_are_filtered_paged_and_never_another_operators(store: ConfigurationStore) -> None:
    async with store.transaction() as tx:
        await tx.actions.add_many(
            [
                action(ids(1), A, at=T0, type=READ),
                action(ids(2), B, at=T0 + timedelta(seconds=1), status="failed", phase="done"),
                action(ids(3), A, at=T0 + timedelta(seconds=2)),
                action(ids(4), C, at=T0 + timedelta(seconds=3)),
            ]
        )
    async with store.reading() as tx:
        newest = tx.actions.newest
        assert [a.id for a in await newest(OPERATOR)] == [ids(3), ids(2), ids(1)]
        assert [a.id for a in await newest(OPERATOR, station_id=A)] == [ids(3), ids(1)]
        assert [a.id for a in await newest(OPERATOR, status="failed")] == [ids(2)]
        assert [a.id for a in await newest(OPERATOR, type=READ)] == [ids(1)]
        assert [a.id for a in await newest(OPERATOR, limit=1, offset=1)] == [ids(2)]
        assert [a.id for a in await newest(OPERATOR, station_id=C)] == []
        assert [a.id for a in await newest(OTHER)] == [ids(4)]


async def test_the_last_failed_read_is_the_most_recently_updated(store: ConfigurationStore) -> None:
    failed = {"type": READ, "status": "failed", "phase": "done"}
    async with store.transaction() as tx:
        assert await tx.actions.last_failed_read(A) is None
        await tx.actions.add_many(
            [
                action(ids(1), **failed, response_data={"reason": "older"}),  # type: ignore[arg-type]
                action(ids(2), **failed, response_data={"reason": "newer"}),  # type: ignore[arg-type]
                action(ids(3), type=READ, status="completed", phase="done", response_data={"ok": 1}),
            ]
        )
        await tx.actions.update(ids(2), {"updated_at": T0 + timedelta(seconds=5)})
        await tx.actions.update(ids(3), {"updated_at": T0 + timedelta(seconds=9)})
    async with store.reading() as tx:
        assert await tx.actions.last_failed_read(A) == {"reason": "newer"}


# -- reported configuration and lane state ------------------------------------------------------


async def test_a_report_replaces_the_last_one_in_its_order_and_notes_when(store: ConfigurationStore) -> None:
    address = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}
    async with store.transaction() as tx:
        await tx.reported.replace(A, [ReportedRow("Old", "1", False)], T0)
        await tx.reported.replace(
            A,
            [
                ReportedRow("Zeta", "z", True),
                ReportedRow("Alpha", None, False, writeonly=True),
                ReportedRow("OCPPCommCtrlr.HeartbeatInterval", "60", False, False, address, {"dataType": "integer"}),
            ],
            T0 + timedelta(minutes=1),
        )
    async with store.reading() as tx:
        rows = await tx.reported.rows(A)
        lane = await tx.reported.lane(A)
        assert [row.name for row in rows] == ["Zeta", "Alpha", "OCPPCommCtrlr.HeartbeatInterval"]
        assert rows[1] == ReportedRow("Alpha", None, False, writeonly=True)
        assert rows[2].address == address
        assert rows[2].characteristics == {"dataType": "integer"}
        assert lane is not None
        assert lane.read_at == T0 + timedelta(minutes=1)
        assert await tx.reported.rows(B) == []
        assert await tx.reported.lane(B) is None


async def test_reported_rows_and_values_by_name(store: ConfigurationStore) -> None:
    async with store.transaction() as tx:
        await tx.reported.replace(A, [ReportedRow("HeartbeatInterval", "60", False), ReportedRow("X", "1", True)], T0)
        await tx.reported.set_values(A, {"HeartbeatInterval": "90", "NeverReported": "1"})
    async with store.reading() as tx:
        assert [r.name for r in await tx.reported.rows(A, {"heartbeatinterval"})] == ["HeartbeatInterval"]
        assert await tx.reported.values(A, ["HeartbeatInterval", "NeverReported"]) == {"HeartbeatInterval": "90"}
        assert await tx.reported.values(A, ["heartbeatinterval"]) == {}, "exact names"


async def test_a_reboot_wait_starts_once_and_ends(store: ConfigurationStore) -> None:
    async with store.transaction() as tx:
        await tx.reported.note_change(A, T0, T0)  # no lane state yet: made
        await tx.reported.note_change(A, T0 + timedelta(seconds=5), T0 + timedelta(seconds=5))
        await tx.reported.note_change(B, T0, None)
    async with store.reading() as tx:
        a, b = await tx.reported.lane(A), await tx.reported.lane(B)
        assert a is not None
        assert b is not None
        assert (a.reboot_pending, a.reboot_pending_since, a.last_change_at) == (True, T0, T0 + timedelta(seconds=5))
        assert (b.reboot_pending, b.last_change_at) == (False, T0)
        assert await tx.reported.rebooting() == {A}
    async with store.transaction() as tx:
        await tx.reported.end_reboot_wait(A)
        await tx.reported.end_reboot_wait(C)  # none waited: nothing to do
    async with store.reading() as tx:
        a = await tx.reported.lane(A)
        assert a is not None
        assert (a.reboot_pending, a.reboot_pending_since) == (False, None)
        assert await tx.reported.rebooting() == set()


async def test_boots_are_noted_with_or_without_lane_state(store: ConfigurationStore) -> None:
    async with store.transaction() as tx:
        await tx.reported.note_change(A, T0, T0)
        await tx.reported.note_boots({A: T0 + timedelta(minutes=1), B: T0 + timedelta(minutes=2)})
    async with store.reading() as tx:
        a, b = await tx.reported.lane(A), await tx.reported.lane(B)
    assert a is not None
    assert (a.booted_at, a.reboot_pending) == (T0 + timedelta(minutes=1), True)
    assert b is not None
    assert (b.booted_at, b.reboot_pending) == (T0 + timedelta(minutes=2), False)


# -- stations -----------------------------------------------------------------------------------


async def test_station_facts(store: ConfigurationStore, database: Database) -> None:
    ledger = TransactionStore(database)
    started = TransactionUpdate(TransactionPhase.STARTED, T0.isoformat(), connector_id=2, id_token="T")
    async with store.reading() as tx:
        facts = await tx.stations.get(A)
        assert facts is not None
        assert (facts.operator_id, facts.identity, facts.ocpp_version) == (
            OPERATOR,
            "CP-A",
            "1.6",
        )
        assert await tx.stations.get(ids(9)) is None
        assert await tx.stations.operators_of([A, C, ids(9)]) == {A: OPERATOR, C: OTHER}
        assert await tx.stations.baseline_enabled(OPERATOR) is True
        assert await tx.stations.baseline_enabled(ids(9)) is False
        assert await tx.stations.running_transaction(A) is None
    ref = await ledger.apply(A, started, T0)
    async with store.reading() as tx:
        running = await tx.stations.running_transaction(A)
    assert running is not None
    assert (running.transaction_ref, running.connector_id) == (ref, 2)
    await ledger.apply(A, TransactionUpdate(TransactionPhase.ENDED, T0.isoformat(), transaction_ref=ref), T0)
    async with store.reading() as tx:
        assert await tx.stations.running_transaction(A) is None


# -- pending passwords --------------------------------------------------------------------------


async def test_pending_passwords_keep_the_newest_and_adopting_one_drops_the_rest(
    store: ConfigurationStore, database: Database
) -> None:
    directory = DatabaseStationDirectory(database, SystemClock())
    async with store.transaction() as tx:
        await tx.actions.add_many([action(ids(n)) for n in range(1, 5)])
        for n in range(1, 5):
            await tx.passwords.add(ids(n), A, f"hash-{n}", T0 + timedelta(seconds=n), keep=3)
    assert await directory.passwords(A) == (None, ["hash-4", "hash-3", "hash-2"])
    async with store.transaction() as tx:
        assert await tx.passwords.get(ids(1)) is None, "the oldest went when a fourth came"
        assert await tx.passwords.get(ids(3)) == "hash-3"
        assert await tx.passwords.drop(ids(4)) is True
        assert await tx.passwords.drop(ids(4)) is False
        locked = await tx.passwords.lock_station(A)
        assert locked is not None
        assert locked.identity == "CP-A"
        assert await tx.passwords.lock_station(ids(9)) is None
        await tx.passwords.adopt(A, "hash-3", T0)
    assert await directory.passwords(A) == ("hash-3", [])


# -- transactions -------------------------------------------------------------------------------


async def test_a_failed_transaction_keeps_nothing_and_a_write_commits(store: ConfigurationStore) -> None:
    async def fail_half_way() -> None:
        async with store.transaction() as tx:
            await tx.actions.add(action(ids(1)))
            tx.outbox.add(OutboxEvent(ids(7), OPERATOR, A, "a.b", "{}", T0))
            raise RuntimeError("the caller failed half-way")

    with pytest.raises(RuntimeError):
        await fail_half_way()

    async def write(tx: ConfigurationTx) -> str:
        await tx.actions.add(action(ids(2)))
        return "written"

    assert await store.write(write) == "written"
    await store.drain()
    async with store.reading() as tx:
        assert await tx.actions.get(ids(1)) is None
        assert await tx.actions.get(ids(2)) is not None
