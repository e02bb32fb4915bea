"""The FastAPI application."""

from fastapi import Depends, FastAPI

from switchyard import __version__
from switchyard.api.deps import printable_parameters
from switchyard.api.envelope import install_error_handlers
from switchyard.api.guard import RequestGuard
from switchyard.api.routes import (
    apikeys,
    chargestations,
    configurations,
    health,
    migrations,
    operators,
    sites,
    webhooks,
)
from switchyard.node import Switchyard


def create_app(sy: Switchyard) -> FastAPI:
    app = FastAPI(
        title="Switchyard",
        version=__version__,
        description="OCPP central system for configuration, compliance, commissioning and migration.",
        dependencies=[Depends(printable_parameters)],
    )
    app.state.switchyard = sy
    install_error_handlers(app)
    # Inside Starlette's error middleware (a failure while authenticating is still the 500 envelope),
    # outside everything that could read the body.
    app.add_middleware(RequestGuard, node=sy)
    for module in (health, operators, apikeys, sites, chargestations, configurations, migrations, webhooks):
        app.include_router(module.router)
    return app
