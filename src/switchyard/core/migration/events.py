"""The webhook events of migrations, written in the transaction of the state they announce:
`chargestation.migration.<name>` per station, `migration.<name>` per job (docs/migration.md)."""

from datetime import datetime
from typing import Any

from switchyard.core.webhooks.outbox import enqueue
from switchyard.ports.fleet_jobs import FleetJobTx, JobRecord, MemberRecord


def station_event(
    tx: FleetJobTx, job: JobRecord, member: MemberRecord, name: str, data: dict[str, Any], now: datetime
) -> None:
    """`data` carries the station's state, step and reason, and what the step adds."""
    enqueue(
        tx.outbox,
        operator_id=job.operator_id,
        station_id=member.station_id,
        event_type=f"chargestation.migration.{name}",
        data={"migration": job.id, "station": member.station_id, "identity": member.procedure.get("identity"), **data},
        now=now,
    )


def job_event(tx: FleetJobTx, job: JobRecord, name: str, data: dict[str, Any], now: datetime) -> None:
    enqueue(
        tx.outbox,
        operator_id=job.operator_id,
        station_id=None,
        event_type=f"migration.{name}",
        data={"migration": job.id, **data},
        now=now,
    )
