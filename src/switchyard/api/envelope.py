"""The eDRV response envelope and error translation."""

from typing import Any, Generic, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from switchyard.errors import DomainError, Unauthorized

T = TypeVar("T")


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
        return failure(exc.status_code, exc.message, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(error.get("type") == "json_invalid" for error in errors):
            return failure(400, "request body is not valid JSON")
        return failure(422, "; ".join(_describe(error) for error in errors))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return failure(exc.status_code, str(exc.detail), dict(exc.headers) if exc.headers else None)


def _describe(error: dict[str, Any]) -> str:
    location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
    where = ".".join(location) or "body"
    message = str(error.get("msg", "invalid"))
    if error.get("type") == "extra_forbidden":
        message = "unknown field"
    if error.get("type") == "missing":
        message = "required"
    return f"{where}: {message}"
