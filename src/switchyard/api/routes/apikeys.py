"""API keys of the caller's operator. The key itself is shown once, in the creation response."""

from fastapi import APIRouter

from switchyard.api.deps import Caller, Node
from switchyard.api.envelope import Envelope, ok
from switchyard.api.models import ApiKeyIn, ApiKeyOut, CreatedApiKeyOut
from switchyard.domain import Scope
from switchyard.ports.registry import ApiKeyRecord

router = APIRouter(prefix="/v1.1/apikeys", tags=["api keys"])


def key_out(key: ApiKeyRecord) -> ApiKeyOut:
    return ApiKeyOut(
        id=key.id,
        operator=key.operator_id,
        name=key.name,
        scope=key.scope,
        created_at=key.created_at,
        last_used_at=key.last_used_at,
        revoked_at=key.revoked_at,
    )


@router.get("")
async def list_keys(sy: Node, who: Caller) -> Envelope[list[ApiKeyOut]]:
    return ok([key_out(k) for k in await sy.registry.keys.list_keys(who)])


@router.post("", status_code=201)
async def create_key(body: ApiKeyIn, sy: Node, who: Caller) -> Envelope[CreatedApiKeyOut]:
    created = await sy.registry.keys.create_key(who, body.name, Scope(body.scope), body.operator)
    out = CreatedApiKeyOut(**key_out(created.key).model_dump(), key=created.token)
    return ok(out, "store this key now: it is not shown again")


@router.get("/{key_id}")
async def get_key(key_id: str, sy: Node, who: Caller) -> Envelope[ApiKeyOut]:
    return ok(key_out(await sy.registry.keys.get_key(who, key_id)))


@router.delete("/{key_id}")
async def revoke_key(key_id: str, sy: Node, who: Caller) -> Envelope[ApiKeyOut]:
    return ok(key_out(await sy.registry.keys.revoke_key(who, key_id)), "API key revoked")
