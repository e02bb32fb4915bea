"""Transactions as stations report them (1.6 Start/StopTransaction, 2.0.1 TransactionEvent)."""

import uuid
from datetime import datetime

from sqlalchemy import select

from switchyard.domain import TransactionPhase, TransactionUpdate
from switchyard.store.database import Database
from switchyard.store.tables import Transaction

_PROVISIONAL = "new-"


class TransactionStore:
    def __init__(self, database: Database) -> None:
        self._db = database

    async def apply(self, station_id: str, update: TransactionUpdate, now: datetime) -> str:
        """Record the update; returns the transaction's reference (for 1.6 starts, the new id)."""
        async with self._db.transaction() as session:
            row = None
            if update.transaction_ref is not None:
                row = await session.scalar(
                    select(Transaction).where(
                        Transaction.station_id == station_id,
                        Transaction.transaction_ref == update.transaction_ref,
                    )
                )
            if row is None:
                row = Transaction(
                    station_id=station_id,
                    # 1.6 starts get their reference from the row id, assigned below.
                    transaction_ref=update.transaction_ref or _PROVISIONAL + uuid.uuid4().hex[:30],
                    state="active",
                    updated_at=now,
                )
                session.add(row)
            if update.evse_id is not None:
                row.evse_id = update.evse_id
            if update.connector_id is not None:
                row.connector_id = update.connector_id
            if update.id_token is not None:
                row.id_token = update.id_token
            if update.phase is TransactionPhase.STARTED or row.started_at is None:
                row.started_at = row.started_at or update.timestamp
                if row.meter_start_wh is None:
                    row.meter_start_wh = update.meter_wh
            if update.phase is TransactionPhase.ENDED:
                row.state = "ended"
                row.stopped_at = update.timestamp
                row.stop_reason = update.reason
                row.meter_stop_wh = update.meter_wh
            row.updated_at = now
            await session.flush()
            if row.transaction_ref.startswith(_PROVISIONAL):
                row.transaction_ref = str(row.id)
            return row.transaction_ref
