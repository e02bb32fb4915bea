"""A migration as the API and the CLI show it: the job, its counts per state and each station."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from switchyard.core.migration.state import picture_to_json, procedure_from_json
from switchyard.ports.fleet_jobs import JobRecord, MemberRecord


@dataclass(frozen=True, slots=True)
class StationView:
    station: str
    identity: str
    state: str
    step: str | None
    reason: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class MigrationView:
    id: str | None
    kind: str
    status: str
    reason: str | None
    target_url: str | None
    parameters: dict[str, Any]
    policy: dict[str, Any]
    counts: dict[str, int]
    stations: list[StationView]
    created_at: datetime | None
    updated_at: datetime | None


def station_view(member: MemberRecord) -> StationView:
    before = after = None
    stored = member.procedure.get("procedure")
    if stored is not None:
        procedure = procedure_from_json(stored)
        before, after = _values(picture_to_json(procedure.before)), _values(picture_to_json(procedure.after))
    return StationView(
        member.station_id,
        member.procedure.get("identity", ""),
        member.state,
        member.step,
        member.reason,
        before,
        after,
        member.updated_at,
    )


def migration_view(job: JobRecord, members: list[MemberRecord], parameters: dict[str, Any]) -> MigrationView:
    return MigrationView(
        job.id,
        job.kind,
        job.status,
        job.reason,
        parameters.get("targetUrl"),
        parameters,
        job.policy,
        dict(Counter(m.state for m in members)),
        [station_view(m) for m in members],
        job.created_at,
        job.updated_at,
    )


def summary_view(job: JobRecord, counts: dict[str, int], parameters: dict[str, Any]) -> MigrationView:
    """A job without its stations (for lists): the counts say how far it is."""
    return MigrationView(
        job.id,
        job.kind,
        job.status,
        job.reason,
        parameters.get("targetUrl"),
        parameters,
        job.policy,
        counts,
        [],
        job.created_at,
        job.updated_at,
    )


def _values(picture: dict[str, Any] | None) -> dict[str, Any] | None:
    """The settings as the station reported them, plus the slots and priority they were read as."""
    if picture is None:
        return None
    return {
        "values": picture["values"],
        "slots": picture["slots"],
        "priority": picture["priority"],
        "activeSlot": picture["activeSlot"],
    }
