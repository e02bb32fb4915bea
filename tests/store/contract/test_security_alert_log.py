"""The security alert log's contract (`ports.security`): a station's security event and the webhook
event announcing it are written together or not at all, on every database Switchyard runs on. The
webhook event is read back through its port; the security event has no reading port, so its table
is looked at directly."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from switchyard.domain import SecurityEvent
from switchyard.ports.outbox import OutboxEvent
from switchyard.ports.security import SecurityAlertLog
from switchyard.ports.webhooks import PENDING
from switchyard.store.database import Database
from switchyard.store.outbox import install_commit_hook
from switchyard.store.security_alert_log import DatabaseSecurityAlertLog
from switchyard.store.tables import SecurityEventRow
from switchyard.store.webhook_store import DatabaseWebhookStore
from tests.store.rows import add_operator_with_stations

OPERATOR, A = "o" * 24, "a" * 24
T0 = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
EVENT = SecurityEvent("FailedToAuthenticateAtCsms", T0.isoformat(), "refused 5 logins")


@pytest.fixture
async def log(database: Database) -> SecurityAlertLog:
    await add_operator_with_stations(database, OPERATOR, [(A, "CP-A")])
    return DatabaseSecurityAlertLog(database)


async def _security_events(database: Database) -> list[tuple[str, str, str, str | None, datetime]]:
    async with database.sessions() as session:
        rows = await session.execute(
            select(
                SecurityEventRow.station_id,
                SecurityEventRow.type,
                SecurityEventRow.timestamp,
                SecurityEventRow.tech_info,
                SecurityEventRow.received_at,
            )
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_an_alert_is_a_security_event_and_a_webhook_event_and_wakes_the_dispatcher(
    database: Database, log: SecurityAlertLog
) -> None:
    woken = []
    install_commit_hook(database.sessions, lambda: woken.append(True))
    announce = OutboxEvent("e" * 24, OPERATOR, A, "chargestation.logins_throttled", '{"_id": "e"}', T0)
    await log.record(A, EVENT, T0, announce)
    assert await _security_events(database) == [(A, EVENT.type, EVENT.timestamp, EVENT.tech_info, T0)]
    async with DatabaseWebhookStore(database).reading() as tx:
        stored = await tx.events.get(announce.id)
    assert stored is not None
    assert (stored.operator_id, stored.station_id, stored.type) == (OPERATOR, A, announce.type)
    assert (stored.payload, stored.status, stored.created_at) == (announce.payload, PENDING, T0)
    assert woken == [True]


async def test_neither_is_written_without_the_other(database: Database, log: SecurityAlertLog) -> None:
    announce = OutboxEvent("e" * 24, OPERATOR, A, "chargestation.logins_throttled", "{}", T0)
    await log.record(A, EVENT, T0, announce)
    with pytest.raises(IntegrityError):  # the same event id again
        await log.record(A, SecurityEvent("Other", T0.isoformat()), T0, announce)
    assert [row[1] for row in await _security_events(database)] == [EVENT.type]
