"""FastAPI dependencies: the running node and the calling principal."""

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from switchyard.api.models import control_character
from switchyard.core.principal import Principal
from switchyard.errors import Unauthorized
from switchyard.node import Switchyard

_bearer = HTTPBearer(auto_error=False, description="An operator API key: `Authorization: Bearer sy_…`")


def node(request: Request) -> Switchyard:
    return request.app.state.switchyard  # type: ignore[no-any-return]


async def principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None:
        raise Unauthorized("missing API key: send 'Authorization: Bearer <key>'")
    return await node(request).registry.authenticate(credentials.credentials)


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
