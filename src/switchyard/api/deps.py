"""FastAPI dependencies: the running node and the calling principal."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

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


Node = Annotated[Switchyard, Depends(node)]
Caller = Annotated[Principal, Depends(principal)]
