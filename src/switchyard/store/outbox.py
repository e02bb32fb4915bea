"""The webhook outbox in a database session: event rows added to the caller's transaction, and the
dispatcher woken after a commit that wrote some (ADR 0005)."""

from collections.abc import Callable
from typing import Any

from sqlalchemy import event as orm_event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from switchyard.ports.outbox import OutboxEvent
from switchyard.store.tables import WebhookEvent

# session.info key under which the dispatcher leaves its wake-up call (see `install_commit_hook`).
NOTIFY = "switchyard.webhooks.notify"
_HOOKED = "switchyard.webhooks.hooked"


class SessionOutbox:
    """`ports.outbox.EventOutbox` in an open session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, event: OutboxEvent) -> None:
        self._session.add(
            WebhookEvent(
                id=event.id,
                operator_id=event.operator_id,
                station_id=event.station_id,
                type=event.type,
                payload=event.payload,
                status="pending",
                created_at=event.created_at,
                replays=0,
            )
        )
        _wake_dispatcher_after_commit(self._session)


def install_commit_hook(sessions: Any, notify: Callable[[], None]) -> None:
    """Sessions made by `sessions` (an async_sessionmaker) carry `notify`, called after a commit that wrote events."""
    sessions.configure(info={NOTIFY: notify})


def _wake_dispatcher_after_commit(session: AsyncSession) -> None:
    info = session.info
    if NOTIFY not in info or info.get(_HOOKED):
        return
    info[_HOOKED] = True
    orm_event.listen(session.sync_session, "after_commit", _after_commit)


def _after_commit(session: Session) -> None:
    notify = session.info.get(NOTIFY)
    if notify is not None:
        notify()
