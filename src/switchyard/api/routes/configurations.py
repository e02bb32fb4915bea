"""Station configuration (seed 002): read it, see it explained, change it, reset the station.

Every write answers with the action it created (status `requested`); its progress arrives as
webhooks and through `GET /v1.1/actions/{id}`. `?view=full` adds Switchyard's progress and audit
fields to an action; without it the JSON is exactly the eDRV shape.
"""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query

from switchyard.api.deps import Caller, Node
from switchyard.api.envelope import Envelope, ok
from switchyard.api.models import ConfigurationChangesIn, ResetIn
from switchyard.api.paging import Limit, Offset
from switchyard.core.actions import render
from switchyard.core.configuration import ChangeRequest

router = APIRouter(prefix="/v1.1", tags=["configuration"])

ActionStatus = Literal["requested", "completed", "rejected", "failed"]
ActionKind = Literal["chargestation.update_configuration", "chargestation.get_configuration", "chargestation.reset"]
View = Annotated[Literal["edrv", "full"], Query(description="`full` adds progress and audit fields")]


@router.post("/chargestations/{station_id}/configurations", status_code=200)
async def change_configuration(
    station_id: str,
    sy: Node,
    who: Caller,
    body: Annotated[ConfigurationChangesIn, Body()],
    view: View = "edrv",
) -> Envelope[Any]:
    """Change one key (`{key, value}`), or queue several in order (a list); each becomes an action."""
    changes = body if isinstance(body, list) else [body]
    actions = await sy.configuration.request_changes(
        who,
        station_id,
        [ChangeRequest(c.key.strip(), c.value, c.reason, c.attribute_type) for c in changes],
    )
    rendered = [render(action, full=view == "full") for action in actions]
    return ok(rendered if isinstance(body, list) else rendered[0])


@router.get("/chargestations/{station_id}/configurations")
async def read_configuration(station_id: str, sy: Node, who: Caller, view: View = "edrv") -> Envelope[Any]:
    """Ask the station for its whole configuration (action `chargestation.get_configuration`)."""
    action = await sy.configuration.request_read(who, station_id)
    return ok(render(action, full=view == "full"))


@router.get("/chargestations/{station_id}/configurations/details")
async def configuration_details(station_id: str, sy: Node, who: Caller) -> Envelope[list[dict[str, Any]]]:
    return ok(await sy.configuration.details(who, station_id), "Success")


@router.post("/chargestations/{station_id}/reset")
async def reset_station(station_id: str, body: ResetIn, sy: Node, who: Caller, view: View = "edrv") -> Envelope[Any]:
    action = await sy.configuration.request_reset(who, station_id, body.type, force=body.force, reason=body.reason)
    return ok(render(action, full=view == "full"))


@router.get("/chargestations/{station_id}/actions")
async def station_actions(
    station_id: str,
    sy: Node,
    who: Caller,
    status: ActionStatus | None = None,
    type: ActionKind | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
    view: View = "edrv",
) -> Envelope[list[dict[str, Any]]]:
    """The station's actions, newest first."""
    return await operator_actions(sy, who, station_id, status, type, limit, offset, view)


@router.get("/actions")
async def operator_actions(
    sy: Node,
    who: Caller,
    station: str | None = None,
    status: ActionStatus | None = None,
    type: ActionKind | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
    view: View = "edrv",
) -> Envelope[list[dict[str, Any]]]:
    """Actions of all the caller's stations (or of `station`), newest first."""
    actions = await sy.configuration.list_actions(who, station, status=status, type=type, limit=limit, offset=offset)
    return ok([render(action, full=view == "full") for action in actions])


@router.get("/actions/{action_id}")
async def get_action(action_id: str, sy: Node, who: Caller, view: View = "edrv") -> Envelope[dict[str, Any]]:
    return ok(render(await sy.configuration.get_action(who, action_id), full=view == "full"))
