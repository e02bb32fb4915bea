"""Liveness for load balancers and `make run` users."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from switchyard.api.deps import Node

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(sy: Node) -> JSONResponse:
    """200 when the API and the station listeners are up, 503 otherwise; with the recorder's backlog
    (what stations reported that is not in the database yet), the gauge to watch under load."""
    gateway_up = sy.presence.listening
    backlog = sy.recorder.backlog()
    body = {
        "ok": gateway_up,
        "api": True,
        "gateway": gateway_up,
        "stationsConnected": sy.presence.connected_count(),
        "recorder": {
            "backlog": backlog.items,
            "backlogLogBytes": backlog.log_bytes,
            "oldestSeconds": round(backlog.oldest_seconds, 3),
            "congested": backlog.congested,
            "shedMessages": backlog.shed_messages,
            "refusedItems": backlog.refused_items,
        },
    }
    return JSONResponse(body, status_code=200 if gateway_up else 503)
