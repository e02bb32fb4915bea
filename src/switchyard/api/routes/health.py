"""Liveness for load balancers and `make run` users."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from switchyard.api.deps import Node

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(sy: Node) -> JSONResponse:
    """200 when the API and the station listeners are up, 503 otherwise."""
    gateway_up = sy.gateway.listening
    body = {
        "ok": gateway_up,
        "api": True,
        "gateway": gateway_up,
        "stationsConnected": len(sy.gateway.sessions),
    }
    return JSONResponse(body, status_code=200 if gateway_up else 503)
