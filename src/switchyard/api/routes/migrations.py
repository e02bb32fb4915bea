"""CSMS migrations of the caller's stations (docs/migration.md): plan, start, watch and act on them,
and inbound migrations (stations expected from another backend).

The names of fields, states and routes are part of the API: other clients are written against them.
"""

from typing import Any, Literal

from fastapi import APIRouter, Response
from pydantic import Field

from switchyard.api.deps import Caller, Node
from switchyard.api.envelope import Envelope, ok
from switchyard.api.models import Body, Out, Timestamp
from switchyard.api.paging import Limit, Offset
from switchyard.core.fleet_jobs.waves import WavePolicy
from switchyard.core.migration.inbound import Expected
from switchyard.core.migration.job_spec import MigrationSpec
from switchyard.core.migration.model import Confirmation, ConfirmationMode, MethodName, Target
from switchyard.core.migration.roots import load_root
from switchyard.core.migration.selection import Selection, StationFilter
from switchyard.core.migration.service import MigrationRequest
from switchyard.core.migration.views import MigrationView, StationView
from switchyard.domain import NetworkInterface
from switchyard.errors import InvalidInput, NotFound

router = APIRouter(prefix="/v1.1/migrations", tags=["migrations"])

MAX_STATIONS = 10_000
Interface = Literal["Wired0", "Wired1", "Wired2", "Wired3", "Wireless0", "Wireless1", "Wireless2", "Wireless3"]


class ConfirmationIn(Body):
    mode: Literal["same-deployment", "peer", "external"]
    api_url: str | None = Field(None, alias="apiUrl", max_length=2000)
    api_key: str | None = Field(None, alias="apiKey", max_length=200)
    deadline_seconds: int = Field(600, alias="deadlineSeconds", ge=1, le=7 * 24 * 3600)


class WavesIn(Body):
    canary: int = Field(1, ge=0, le=MAX_STATIONS)
    size: int = Field(50, ge=1, le=MAX_STATIONS)
    concurrency: int = Field(20, ge=1, le=1000)
    max_failure_rate: float = Field(0.1, alias="maxFailureRate", ge=0.0, le=1.0)


class FilterIn(Body):
    vendor: str | None = Field(None, max_length=100)
    model: str | None = Field(None, max_length=100)
    firmware: str | None = Field(None, max_length=100)
    ocpp_version: Literal["1.6", "2.0.1"] | None = Field(None, alias="ocppVersion")
    site: str | None = Field(None, max_length=64)


class MigrationIn(Body):
    # Longer than any station stores: preflight says, per station, what its limit is.
    target_url: str = Field(alias="targetUrl", max_length=2000)
    stations: list[str] | None = Field(None, max_length=MAX_STATIONS)
    site: str | None = Field(None, max_length=64)
    filter: FilterIn | None = None
    method: Literal["auto", "1.6-network-profile", "2.0.1-set-network-profile"] = "auto"
    security_profile: int = Field(alias="securityProfile", ge=1, le=3)
    confirmation: ConfirmationIn
    waves: WavesIn = Field(default_factory=WavesIn)
    dry_run: bool = Field(False, alias="dryRun")
    # 1.6 cannot list installed roots: the operator states that the target's root is on the stations.
    ca_installed: bool = Field(False, alias="caInstalled")
    # The target's root certificate (PEM), looked for among a 2.0.1 station's installed roots.
    ca_certificate: str | None = Field(None, alias="caCertificate", max_length=10_000)
    force_reset: bool = Field(False, alias="forceReset")
    cleanup: bool = False
    message_timeout: int = Field(30, alias="messageTimeout", ge=1, le=3600)
    interface: Interface = "Wired0"


class ExpectedIn(Body):
    identity: str = Field(min_length=1, max_length=48)
    serial_number: str | None = Field(None, alias="serialNumber", max_length=25)
    ocpp_version: Literal["1.6", "2.0.1"] = Field(alias="ocppVersion")
    security_profile: int = Field(alias="securityProfile", ge=1, le=3)
    password: str | None = Field(None, max_length=64)


class InboundIn(Body):
    stations: list[ExpectedIn] = Field(min_length=1, max_length=MAX_STATIONS)
    deadline_seconds: int = Field(alias="deadlineSeconds", ge=1, le=90 * 24 * 3600)
    cleanup: bool = False


class MigrationStationOut(Out):
    station: str
    identity: str
    state: str
    step: str | None
    reason: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    updated_at: Timestamp | None = Field(alias="updatedAt")


class MigrationOut(Out):
    id: str | None = Field(alias="_id")
    kind: str
    status: str
    reason: str | None
    target_url: str | None = Field(alias="targetUrl")
    parameters: dict[str, Any]
    waves: dict[str, Any]
    counts: dict[str, int]
    stations: list[MigrationStationOut]
    created_at: Timestamp | None = Field(alias="createdAt")
    updated_at: Timestamp | None = Field(alias="updatedAt")


def station_out(view: StationView) -> MigrationStationOut:
    return MigrationStationOut(
        station=view.station,
        identity=view.identity,
        state=view.state,
        step=view.step,
        reason=view.reason,
        before=view.before,
        after=view.after,
        updated_at=view.updated_at,
    )


def migration_out(view: MigrationView) -> MigrationOut:
    return MigrationOut(
        id=view.id,
        kind=view.kind,
        status=view.status,
        reason=view.reason,
        target_url=view.target_url,
        parameters=view.parameters,
        waves=view.policy,
        counts=view.counts,
        stations=[station_out(s) for s in view.stations],
        created_at=view.created_at,
        updated_at=view.updated_at,
    )


def migration_request(body: MigrationIn) -> MigrationRequest:
    given = body.confirmation
    mode = ConfirmationMode(given.mode)
    if mode is ConfirmationMode.PEER:
        if not given.api_url or not given.api_key:
            raise InvalidInput("confirmation: peer mode needs apiUrl and apiKey of the target Switchyard")
        if not given.api_url.lower().startswith(("http://", "https://")):
            raise InvalidInput("confirmation.apiUrl must be an http:// or https:// URL")
    elif given.api_url or given.api_key:
        raise InvalidInput(f"confirmation: apiUrl and apiKey are for peer mode, not {mode.value}")
    if body.ca_certificate is not None:
        load_root(body.ca_certificate)
    flt = body.filter
    selection = Selection(
        tuple(body.stations) if body.stations is not None else None,
        body.site,
        StationFilter(flt.vendor, flt.model, flt.firmware, flt.ocpp_version, flt.site) if flt is not None else None,
    )
    target = Target(
        url=body.target_url,
        security_profile=body.security_profile,
        confirmation=Confirmation(mode, given.deadline_seconds, given.api_url, given.api_key),
        method=MethodName(body.method),
        ca_installed=body.ca_installed,
        force_reset=body.force_reset,
        cleanup=body.cleanup,
        message_timeout=body.message_timeout,
        interface=NetworkInterface(body.interface.lower()),
    )
    waves = body.waves
    policy = WavePolicy(waves.canary, waves.size, waves.concurrency, waves.max_failure_rate)
    return MigrationRequest(selection, MigrationSpec(target, body.ca_certificate), policy, body.dry_run)


@router.post("", status_code=201)
async def create_migration(body: MigrationIn, sy: Node, who: Caller, response: Response) -> Envelope[MigrationOut]:
    request = migration_request(body)
    view = await sy.migration.migrations.create(who, request)
    if request.dry_run:
        response.status_code = 200
        return ok(migration_out(view), "dry run: every station's preflight; nothing was sent")
    return ok(migration_out(view))


@router.get("")
async def list_migrations(
    sy: Node,
    who: Caller,
    limit: Limit = 50,
    offset: Offset = 0,
    direction: Literal["outbound", "inbound"] = "outbound",
) -> Envelope[list[MigrationOut]]:
    """Newest first, with counts per state and without the stations (read one for those)."""
    views, total = await sy.migration.migrations.list_for(who, limit, offset, inbound=direction == "inbound")
    return ok([migration_out(v) for v in views], f"{total} {direction} migrations")


@router.post("/inbound", status_code=201)
async def create_inbound(body: InboundIn, sy: Node, who: Caller) -> Envelope[MigrationOut]:
    expected = [
        Expected(s.identity, s.ocpp_version, s.security_profile, s.serial_number, s.password) for s in body.stations
    ]
    view = await sy.migration.inbound.create(who, expected, body.deadline_seconds, body.cleanup)
    return ok(migration_out(view), "registered; waiting for the stations to arrive")


@router.get("/{migration_id}")
async def get_migration(migration_id: str, sy: Node, who: Caller) -> Envelope[MigrationOut]:
    try:
        view = await sy.migration.migrations.get(who, migration_id)
    except NotFound:
        view = await sy.migration.inbound.get(who, migration_id)
    return ok(migration_out(view))


@router.post("/{migration_id}/pause")
async def pause_migration(migration_id: str, sy: Node, who: Caller) -> Envelope[MigrationOut]:
    return ok(migration_out(await sy.migration.migrations.pause(who, migration_id)))


@router.post("/{migration_id}/resume")
async def resume_migration(migration_id: str, sy: Node, who: Caller) -> Envelope[MigrationOut]:
    return ok(migration_out(await sy.migration.migrations.resume(who, migration_id)))


@router.post("/{migration_id}/cancel")
async def cancel_migration(migration_id: str, sy: Node, who: Caller) -> Envelope[MigrationOut]:
    view = await sy.migration.migrations.cancel(who, migration_id)
    return ok(migration_out(view), "cancelled: stations already reset finish their move; the rest are undone")


@router.post("/{migration_id}/stations/{station}/retry")
async def retry_station(migration_id: str, station: str, sy: Node, who: Caller) -> Envelope[MigrationStationOut]:
    return ok(station_out(await sy.migration.migrations.retry(who, migration_id, station)))


@router.post("/{migration_id}/stations/{station}/rollback")
async def rollback_station(migration_id: str, station: str, sy: Node, who: Caller) -> Envelope[MigrationStationOut]:
    return ok(station_out(await sy.migration.migrations.rollback(who, migration_id, station)))


@router.post("/{migration_id}/stations/{station}/confirm")
async def confirm_station(migration_id: str, station: str, sy: Node, who: Caller) -> Envelope[MigrationStationOut]:
    return ok(station_out(await sy.migration.migrations.confirm(who, migration_id, station)))
