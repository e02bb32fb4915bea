"""Charge stations of the caller's operator, with their live connection state."""

import structlog
from fastapi import APIRouter

from switchyard.api.deps import Caller, Node
from switchyard.api.envelope import Envelope, ok
from switchyard.api.models import CreatedStationOut, LiveOut, StationIn, StationOut, StationPatch
from switchyard.api.paging import Limit, Offset
from switchyard.core.registry import IdentityInUse, StationChanges
from switchyard.domain import RegistrationState
from switchyard.node import Switchyard
from switchyard.ports.registry import RegisteredStation

log = structlog.get_logger("switchyard.api")
router = APIRouter(prefix="/v1.1/chargestations", tags=["charge stations"])


def station_out(station: RegisteredStation, sy: Switchyard) -> StationOut:
    seen = sy.presence.last_seen(station.identity)
    # A live session is the freshest truth; the table holds what the last sweep wrote.
    connected = seen is not None or (
        station.connection_state == "connected" and station.connected_node != sy.settings.node_id
    )
    last_seen = seen if seen is not None else station.last_seen_at
    return StationOut(
        id=station.id,
        identity=station.identity,
        operator=station.operator_id,
        site=station.site_id,
        serial_number=station.serial_number,
        ocpp_version=station.ocpp_version,
        security_profile=station.security_profile,
        has_password=station.password_hash is not None,
        registration_state=station.registration_state,
        vendor=station.vendor,
        model=station.model,
        firmware_version=station.firmware_version,
        iccid=station.iccid,
        imsi=station.imsi,
        firmware_status=station.firmware_status,
        diagnostics_status=station.diagnostics_status,
        live=LiveOut(
            connected=connected,
            connection_state="connected" if connected else "disconnected",
            connected_at=station.connected_at if connected else None,
            last_seen_at=last_seen,
            last_boot_at=station.last_boot_at,
            last_boot_status=station.last_boot_status,
            last_boot_reason=station.last_boot_reason,
        ),
        created_at=station.created_at,
        updated_at=station.updated_at,
    )


@router.get("")
async def list_stations(
    sy: Node,
    who: Caller,
    site: str | None = None,
    identity: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Envelope[list[StationOut]]:
    stations = await sy.registry.stations.list_stations(who, site, identity, limit, offset)
    return ok([station_out(s, sy) for s in stations])


@router.post("", status_code=201)
async def create_station(body: StationIn, sy: Node, who: Caller) -> Envelope[CreatedStationOut]:
    try:
        created = await sy.registry.stations.create_station(
            who,
            identity=body.identity,
            ocpp_version=body.ocpp_version,
            security_profile=body.security_profile,
            password=body.password,
            serial_number=body.serial_number,
            site_id=body.site,
            registration_state=RegistrationState(body.registration_state),
        )
    except IdentityInUse as refused:
        # The caller is told only that the identity is taken (ADR 0007); the platform operator sees by whom.
        log.info(
            "charge station identity refused: in use",
            identity=refused.identity,
            operator=who.operator_id,
            holder=refused.holder,
            same_operator=refused.holder == who.operator_id,
        )
        raise
    out = CreatedStationOut(**station_out(created.station, sy).model_dump(), password=created.generated_password)
    message = "generated password shown once; configure it on the station" if created.generated_password else ""
    return ok(out, message)


@router.get("/{station_id}")
async def get_station(station_id: str, sy: Node, who: Caller) -> Envelope[StationOut]:
    return ok(station_out(await sy.registry.stations.get_station(who, station_id), sy))


@router.patch("/{station_id}")
async def update_station(station_id: str, body: StationPatch, sy: Node, who: Caller) -> Envelope[StationOut]:
    given = body.given(site="site_id")
    if "registration_state" in given:
        given["registration_state"] = RegistrationState(given["registration_state"])
    station = await sy.registry.stations.update_station(who, station_id, StationChanges(**given))
    return ok(station_out(station, sy))


@router.delete("/{station_id}")
async def delete_station(station_id: str, sy: Node, who: Caller) -> Envelope[None]:
    await sy.registry.stations.delete_station(who, station_id)
    return ok(None, "charge station deleted")
