"""FastAPI dependencies: the running node and the calling principal."""

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from switchyard.api.guard import PRINCIPAL_STATE
from switchyard.api.models import control_character
from switchyard.core.principal import Principal
from switchyard.node import Switchyard

# Declares the scheme in the OpenAPI document (the "Authorize" button of /docs); the key itself is
# checked by the RequestGuard middleware, before the body is read.
_bearer = HTTPBearer(auto_error=False, description="An operator API key: `Authorization: Bearer sy_…`")


def node(request: Request) -> Switchyard:
    return request.app.state.switchyard  # type: ignore[no-any-return]


def principal(request: Request, _scheme: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Principal:
    """The caller the guard authenticated; a keyed route the guard did not cover is a bug, not a 401."""
    found = request.scope.get("state", {}).get(PRINCIPAL_STATE)
    if not isinstance(found, Principal):
        raise RuntimeError(f"{request.url.path}: needs an API key but is outside the guard's prefix")
    return found


def printable_parameters(request: Request) -> None:
    """Query and path parameters hold no control characters (NUL is an error in PostgreSQL text)."""
    for name, value in (*request.path_params.items(), *request.query_params.multi_items()):
        found = control_character(value)
        if found is not None:
            position, code = found
            raise HTTPException(
                422, f"{name}: must not contain control characters; found {code} at character {position}"
            )


Node = Annotated[Switchyard, Depends(node)]
Caller = Annotated[Principal, Depends(principal)]
