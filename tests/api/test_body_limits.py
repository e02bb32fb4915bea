"""Request bodies: the API key is checked before a body byte is read, and bodies are bounded (413).

Issue 8 found a 100 MB body without an API key read in full before its 401, and twenty 20 MB bodies
raising the server's RSS by 540 MB. These tests send bodies that count how much of them the server
asked for, through httpx's ASGI transport; tests/api/test_body_limits_served.py does it over a socket.
"""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from switchyard.api.app import create_app
from switchyard.api.deps import principal
from switchyard.api.guard import KEYED_PREFIX
from switchyard.settings import Settings
from tests.api.helpers import bearer, expect, walk_routes
from tests.support import RunningNode, running_node

MiB = 1024 * 1024
DEFAULT_LIMIT = Settings.model_fields["api_max_body_bytes"].default


class Upload:
    """A request body made on demand, a chunk per read, that counts the bytes the server asked for."""

    def __init__(self, size: int, chunk: int = 64 * 1024, head: bytes = b"") -> None:
        self.size = size
        self.chunk = chunk
        self.head = head
        self.consumed = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        remaining = self.size
        piece = self.head
        while remaining > 0:
            if not piece:
                piece = b" " * min(self.chunk, remaining)
            piece = piece[:remaining]
            remaining -= len(piece)
            self.consumed += len(piece)
            yield piece
            piece = b""


def json_of_size(size: int, document: bytes = b'{"name": "depot"}') -> bytes:
    """A JSON document padded with trailing whitespace (still valid JSON) to exactly `size` bytes."""
    assert size >= len(document)
    return document + b" " * (size - len(document))


async def post_upload(api: httpx.AsyncClient, path: str, upload: Upload, declared: bool, key: str | None) -> Any:
    headers = {"Content-Type": "application/json"}
    if declared:
        headers["Content-Length"] = str(upload.size)
    if key is not None:
        headers |= bearer(key)
    return await api.post(path, content=upload, headers=headers)  # type: ignore[arg-type]


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
@pytest.mark.parametrize(
    ("key", "message"),
    [
        (None, "missing API key: send 'Authorization: Bearer <key>'"),
        ("not-a-key", "malformed API key"),
        ("sy_" + "0" * 24 + "_secret", "invalid API key"),
    ],
    ids=["no key", "malformed key", "unknown key"],
)
async def test_a_body_without_a_valid_key_is_refused_before_a_byte_is_read(
    node: RunningNode, declared: bool, key: str | None, message: str
) -> None:
    """Regression (issue 8): the body was read in full before the 401, because FastAPI reads bodies first."""
    for path in ("/v1.1/sites", "/v1.1/chargestations", "/v1.1/nowhere"):
        upload = Upload(8 * MiB)
        response = await post_upload(node.api, path, upload, declared, key)
        expect(response, 401, message)
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert upload.consumed == 0, (path, upload.consumed)


async def test_twenty_big_bodies_without_a_key_are_never_read(node: RunningNode) -> None:
    """Regression (issue 8): 20 x 20 MB without a key raised RSS by 540 MB; now none of it is asked for."""
    uploads = [Upload(4 * MiB) for _ in range(20)]
    for number, upload in enumerate(uploads):
        response = await post_upload(node.api, "/v1.1/chargestations", upload, declared=number % 2 == 0, key=None)
        expect(response, 401)
    assert sum(upload.consumed for upload in uploads) == 0


async def test_a_declared_length_over_the_limit_is_413_at_once(node: RunningNode) -> None:
    """Regression (issue 8): bodies had no size limit."""
    upload = Upload(DEFAULT_LIMIT + 1)
    response = await post_upload(node.api, "/v1.1/sites", upload, declared=True, key=node.admin_key)
    expect(
        response,
        413,
        f"request body too large: Content-Length is {DEFAULT_LIMIT + 1:,} bytes; "
        f"this API accepts at most {DEFAULT_LIMIT:,}",
    )
    assert upload.consumed == 0
    assert response.headers["Connection"] == "close", "the rest of the body is not waited for"
    # A route without a key is bounded too.
    health = await node.api.get("/healthz", headers={"Content-Length": str(10 * MiB)})
    expect(health, 413)


@pytest.mark.parametrize("declared", [False, True], ids=["chunked", "content-length that lies"])
async def test_a_body_that_passes_the_limit_while_it_arrives_is_413_and_goes_no_further(
    node: RunningNode, declared: bool
) -> None:
    """Regression (issue 8): a chunked body (or one longer than its Content-Length) was read whatever its size.

    The JSON is valid up to the limit, so a route that went on with what had arrived would create a
    site; it gets 413 and nothing is created.
    """
    chunk = 64 * 1024
    upload = Upload(4 * DEFAULT_LIMIT, chunk, head=b'{"name": "truncated"}')
    headers = {"Content-Type": "application/json"} | node.auth()
    if declared:
        headers["Content-Length"] = "100"
    response = await node.api.post("/v1.1/sites", content=upload, headers=headers)  # type: ignore[arg-type]
    expect(response, 413, f"request body too large: this API accepts at most {DEFAULT_LIMIT:,} bytes")
    assert response.headers["Connection"] == "close"
    assert DEFAULT_LIMIT < upload.consumed <= DEFAULT_LIMIT + chunk, "reading stopped at the chunk past the limit"
    assert expect(await node.api.get("/v1.1/sites", headers=node.auth()), 200) == []


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
async def test_a_body_of_exactly_the_limit_is_accepted_and_one_byte_more_is_not(
    node: RunningNode, declared: bool
) -> None:
    body = json_of_size(DEFAULT_LIMIT)
    chunks = Upload(DEFAULT_LIMIT, head=body[: 64 * 1024])  # the padding after the head is spaces
    created = await post_upload(node.api, "/v1.1/sites", chunks, declared, node.admin_key)
    assert expect(created, 201)["name"] == "depot"
    assert "Connection" not in created.headers
    over = Upload(DEFAULT_LIMIT + 1, head=json_of_size(64 * 1024, b'{"name": "second"}'))
    expect(await post_upload(node.api, "/v1.1/sites", over, declared, node.admin_key), 413)
    assert [s["name"] for s in expect(await node.api.get("/v1.1/sites", headers=node.auth()), 200)] == ["depot"]


async def test_the_limit_is_a_setting(tmp_path: Path) -> None:
    async with running_node(tmp_path, api_max_body_bytes=2048) as node:
        exact = await node.api.post(
            "/v1.1/sites", content=json_of_size(2048), headers=node.auth() | {"Content-Type": "application/json"}
        )
        expect(exact, 201)
        over = await node.api.post(
            "/v1.1/sites", content=json_of_size(2049), headers=node.auth() | {"Content-Type": "application/json"}
        )
        expect(over, 413, "request body too large: Content-Length is 2,049 bytes; this API accepts at most 2,048")


async def test_routes_without_a_key_still_answer(node: RunningNode) -> None:
    for path in ("/healthz", "/openapi.json", "/docs", "/redoc", "/docs/oauth2-redirect"):
        response = await node.api.get(path)
        assert response.status_code == 200, (path, response.text)
    # The OpenAPI document still declares the bearer scheme on keyed routes.
    document = (await node.api.get("/openapi.json")).json()
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert document["paths"]["/v1.1/sites"]["get"]["security"] == [{"HTTPBearer": []}]


async def test_the_key_is_checked_once_per_request(node: RunningNode, monkeypatch: pytest.MonkeyPatch) -> None:
    keys = node.sy.registry.keys
    calls: list[str] = []
    authenticate = keys.authenticate

    async def counted(token: str) -> Any:
        calls.append(token)
        return await authenticate(token)

    monkeypatch.setattr(keys, "authenticate", counted)
    expect(await node.api.post("/v1.1/sites", json={"name": "depot"}, headers=node.auth()), 201)
    expect(await node.api.get("/v1.1/sites", headers=node.auth()), 200)
    assert calls == [node.admin_key, node.admin_key]


def _needs_principal(route: APIRoute) -> bool:
    pending = list(route.dependant.dependencies)
    while pending:
        dependency = pending.pop()
        if dependency.call is principal:
            return True
        pending.extend(dependency.dependencies)
    return False


def test_the_guard_covers_exactly_the_routes_that_need_a_key() -> None:
    """The guard decides by path prefix; every route that asks for the caller must be under it, and no other."""
    app = create_app(None)  # type: ignore[arg-type]  # routes only
    keyed, public = set(), set()
    for path, route in walk_routes(app.routes):
        if isinstance(route, APIRoute) and _needs_principal(route):
            keyed.add(path)
        else:
            public.add(path)
    assert "/v1.1/chargestations/{station_id}" in keyed
    assert {"/healthz", "/openapi.json", "/docs"} <= public
    assert all(path.startswith(KEYED_PREFIX) for path in keyed), sorted(keyed)
    assert not any(path.startswith(KEYED_PREFIX) for path in public), sorted(public)
