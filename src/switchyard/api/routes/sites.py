"""Sites of the caller's operator."""

from fastapi import APIRouter

from switchyard.api.deps import Caller, Node
from switchyard.api.envelope import Envelope, ok
from switchyard.api.models import SiteIn, SiteOut, SitePatch
from switchyard.core.registry import SiteChanges
from switchyard.ports.registry import SiteRecord

router = APIRouter(prefix="/v1.1/sites", tags=["sites"])


def site_out(site: SiteRecord) -> SiteOut:
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
    return ok([site_out(s) for s in await sy.registry.sites.list_sites(who)])


@router.post("", status_code=201)
async def create_site(body: SiteIn, sy: Node, who: Caller) -> Envelope[SiteOut]:
    return ok(site_out(await sy.registry.sites.create_site(who, body.name, body.address)))


@router.get("/{site_id}")
async def get_site(site_id: str, sy: Node, who: Caller) -> Envelope[SiteOut]:
    return ok(site_out(await sy.registry.sites.get_site(who, site_id)))


@router.patch("/{site_id}")
async def update_site(site_id: str, body: SitePatch, sy: Node, who: Caller) -> Envelope[SiteOut]:
    return ok(site_out(await sy.registry.sites.update_site(who, site_id, SiteChanges(**body.given()))))


@router.delete("/{site_id}")
async def delete_site(site_id: str, sy: Node, who: Caller) -> Envelope[None]:
    await sy.registry.sites.delete_site(who, site_id)
    return ok(None, "site deleted")
