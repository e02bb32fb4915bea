"""The eDRV response envelope and error translation."""

from typing import Any, Generic, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from switchyard.api.models import CHANGE_BODY_TAGS
from switchyard.errors import DomainError, TooManyRequests, Unauthorized

T = TypeVar("T")
# Names of the shapes a body may take (one change or a list): not where the error is, so not shown.
_SHAPE_TAGS = CHANGE_BODY_TAGS
_FASTAPI_BODY_ERROR = "There was an error parsing the body"


class Envelope(BaseModel, Generic[T]):
    ok: bool = True
    message: str = ""
    result: T


def ok(result: T, message: str = "") -> Envelope[T]:
    return Envelope[T](ok=True, message=message, result=result)


def failure(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"ok": False, "message": message, "result": None}, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
        if isinstance(exc, TooManyRequests) and exc.retry_after is not None:
            headers = {"Retry-After": str(exc.retry_after)}
        return failure(exc.status_code, exc.message, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(error.get("type") == "json_invalid" for error in errors):
            return failure(400, "request body is not valid JSON")
        if not _sent_as_json(request) and any(_whole_body_refused(error) for error in errors):
            # FastAPI parses JSON only when the client says it is JSON; say so instead of "not a dict".
            return failure(415, "send the request body as JSON, with 'Content-Type: application/json'")
        return failure(422, "; ".join(_describe(error) for error in errors))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Still the envelope, and no internals: the server logs the traceback (Starlette re-raises).
        return failure(500, "internal error")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        message = str(exc.detail)
        if exc.status_code == 400 and message == _FASTAPI_BODY_ERROR:
            # FastAPI's words for a body that is not even text (invalid UTF-8); all our bodies are JSON.
            message = "request body is not valid JSON"
        return failure(exc.status_code, message, dict(exc.headers) if exc.headers else None)


def _sent_as_json(request: Request) -> bool:
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


def _whole_body_refused(error: Any) -> bool:
    return tuple(error.get("loc", ())) == ("body",) and error.get("type") != "missing"


def _describe(error: dict[str, Any]) -> str:
    loc = list(error.get("loc", ()))
    prefix = ""
    if len(loc) > 2 and loc[1] == "changes" and isinstance(loc[2], int):
        # An item of a list of changes: counted from 1, as the configuration service counts them.
        prefix = f"change {loc[2] + 1}: "
        del loc[2]
    location = [str(part) for part in loc if part not in ("body", "query", "path") and part not in _SHAPE_TAGS]
    where = prefix + ".".join(location) if location else (prefix[:-2] if prefix else "body")
    message = str(error.get("msg", "invalid"))
    if error.get("type") == "extra_forbidden":
        message = "unknown field"
    if error.get("type") == "missing":
        message = "required"
    if error.get("type") == "value_error":
        message = str(error.get("ctx", {}).get("error", message))
    return f"{where}: {message}"
