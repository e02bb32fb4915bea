"""The API's front door: the API key is checked, and the body bounded, before a body byte is read.

FastAPI reads a request's whole body into memory before it resolves dependencies, so an API key
checked by a dependency is checked only after a client without one has uploaded all it wanted (a
100 MB body was read in full before its 401). This middleware runs first, as plain ASGI (Starlette's
BaseHTTPMiddleware would buffer the body itself):

- Every route under `/v1.1/` needs an API key. Without a valid one the answer is 401, and the body is
  never asked for. The authenticated caller is left in the request's state for the `principal`
  dependency (api/deps.py), which authenticates nothing itself.
- Each key may make `api_requests_per_second` requests (api/rates.py); past that, 429 with
  Retry-After, also before the body is read.
- A body may have at most `api_max_body_bytes`. A larger Content-Length is refused at once; a body
  without one (chunked), or longer than it said, is counted as it arrives, and the read that passes
  the limit fails with 413, so the route never sees a truncated body.
- When the answer goes out before the body was read to its end, the server (uvicorn) throws the rest
  away as it arrives and keeps the connection. That is cheap, and lets the client read the answer,
  while the rest is known to be within the limit (a Content-Length of at most the limit). Otherwise
  (a larger Content-Length, a chunked body, a body that passed the limit) the answer says
  `Connection: close` and the server closes the connection after it: no one can make it receive an
  endless body. A client still sending may then see the connection reset instead of the answer;
  one that sends `Expect: 100-continue` (as curl does for large bodies) sends no body and reads the answer.
"""

from typing import TYPE_CHECKING

from fastapi.security.utils import get_authorization_scheme_param
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from switchyard.api.rates import KeyRates
from switchyard.core.principal import Principal
from switchyard.errors import Unauthorized

if TYPE_CHECKING:
    from switchyard.node import Switchyard

# Routes under this prefix need an API key; tests/api/test_body_limits.py checks that the routes agree.
KEYED_PREFIX = "/v1.1/"
# Where the guard leaves the authenticated caller, in the ASGI scope's "state" (request.state).
PRINCIPAL_STATE = "switchyard_principal"
MISSING_KEY = "missing API key: send 'Authorization: Bearer <key>'"


class BodyTooLarge(HTTPException):
    """The body passed the limit while it was read; the envelope's handler answers 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body too large: this API accepts at most {limit:,} bytes")


def needs_key(scope: Scope) -> bool:
    return _route_path(scope).startswith(KEYED_PREFIX)


def bearer_token(headers: Headers) -> str | None:
    """The token of `Authorization: Bearer <token>` (scheme in any case), as FastAPI's HTTPBearer reads it."""
    authorization = headers.get("authorization")
    scheme, token = get_authorization_scheme_param(authorization)
    if not (authorization and scheme and token) or scheme.lower() != "bearer":
        return None
    return token


class RequestGuard:
    def __init__(self, app: ASGIApp, node: "Switchyard") -> None:
        self.app = app
        # Read at request time: the routes-only app of some tests is built without a node.
        self._node = node
        self._rates: KeyRates | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        body = _BoundedBody(receive, self._node.settings.api_max_body_bytes, headers)
        if needs_key(scope):
            try:
                principal = await self._authenticate(headers)
            except Unauthorized as exc:
                await body.refuse(scope, send, 401, exc.message, {"WWW-Authenticate": "Bearer"})
                return
            wait = self._key_rates().take(principal.key_id)
            if wait:
                message = f"too many requests with this API key; try again in {wait} s"
                await body.refuse(scope, send, 429, message, {"Retry-After": str(wait)})
                return
            scope.setdefault("state", {})[PRINCIPAL_STATE] = principal
        if body.declared is not None and body.declared > body.limit:
            message = (
                f"request body too large: Content-Length is {body.declared:,} bytes; "
                f"this API accepts at most {body.limit:,}"
            )
            await body.refuse(scope, send, 413, message)
            return
        await self.app(scope, body.receive, body.send_through(send))

    def _key_rates(self) -> KeyRates:
        if self._rates is None:
            settings = self._node.settings
            self._rates = KeyRates(settings.api_requests_per_second, settings.api_request_burst)
        return self._rates

    async def _authenticate(self, headers: Headers) -> Principal:
        token = bearer_token(headers)
        if token is None:
            raise Unauthorized(MISSING_KEY)
        return await self._node.registry.keys.authenticate(token)


class _BoundedBody:
    """One request's body: counted as the app reads it, and whether it was read to its end."""

    def __init__(self, receive: Receive, limit: int, headers: Headers) -> None:
        self._receive = receive
        self.limit = limit
        self.declared = _content_length(headers)
        chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        self._read_to_end = not chunked and not self.declared
        # What the server would discard after an early answer is at most the limit.
        self._rest_bounded = not chunked and self.declared is not None and self.declared <= limit
        self._received = 0
        self._too_large = False

    async def receive(self) -> Message:
        if self._too_large:
            raise BodyTooLarge(self.limit)
        message = await self._receive()
        if message["type"] == "http.request":
            self._received += len(message.get("body", b""))
            if self._received > self.limit:
                self._too_large = True
                raise BodyTooLarge(self.limit)
            if not message.get("more_body", False):
                self._read_to_end = True
        return message

    @property
    def close_after_answer(self) -> bool:
        return self._too_large or not (self._read_to_end or self._rest_bounded)

    def send_through(self, send: Send) -> Send:
        async def guarded_send(message: Message) -> None:
            if message["type"] == "http.response.start" and self.close_after_answer:
                MutableHeaders(scope=message).append("Connection", "close")
            await send(message)

        return guarded_send

    async def refuse(
        self, scope: Scope, send: Send, status: int, message: str, headers: dict[str, str] | None = None
    ) -> None:
        """Answer in the envelope without reading the body."""
        response = JSONResponse({"ok": False, "message": message, "result": None}, status, headers)
        await response(scope, self._receive, self.send_through(send))


def _content_length(headers: Headers) -> int | None:
    value = headers.get("content-length")
    if value is None or not (value.isascii() and value.isdigit()):
        return None  # servers refuse malformed lengths themselves; the count below still holds
    return int(value)


def _route_path(scope: Scope) -> str:
    """The path the router matches: without the root path a proxy may have put in front."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root) and (len(path) == len(root) or path[len(root)] == "/"):
        return path[len(root) :]
    return path
