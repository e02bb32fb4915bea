"""Sites of the caller's operator."""

from fastapi import APIRouter

from switchyard.api.deps import Caller, Node
from switchyard.api.envelope import Envelope, ok
from switchyard.api.models import SiteIn, SiteOut, SitePatch
from switchyard.store.tables import Site

router = APIRouter(prefix="/v1.1/sites", tags=["sites"])


def site_out(site: Site) -> SiteOut:
    return SiteOut(
        id=site.id,
        operator=site.operator_id,
        name=site.name,
        address=site.address,
        created_at=site.created_at,
        updated_at=site.updated_at,
    )


@router.get("")
async def list_sites(sy: Node, who: Caller) -> Envelope[list[SiteOut]]:
    return ok([site_out(s) for s in await sy.registry.list_sites(who)])


@router.post("", status_code=201)
async def create_site(body: SiteIn, sy: Node, who: Caller) -> Envelope[SiteOut]:
    return ok(site_out(await sy.registry.create_site(who, body.name, body.address)))


@router.get("/{site_id}")
async def get_site(site_id: str, sy: Node, who: Caller) -> Envelope[SiteOut]:
    return ok(site_out(await sy.registry.get_site(who, site_id)))


@router.patch("/{site_id}")
async def update_site(site_id: str, body: SitePatch, sy: Node, who: Caller) -> Envelope[SiteOut]:
    changes = body.model_dump(include=body.model_fields_set)
    return ok(site_out(await sy.registry.update_site(who, site_id, changes)))


@router.delete("/{site_id}")
async def delete_site(site_id: str, sy: Node, who: Caller) -> Envelope[None]:
    await sy.registry.delete_site(who, site_id)
    return ok(None, "site deleted")
