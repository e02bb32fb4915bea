"""Sites: an operator's places, each holding some of its charge stations."""

from dataclasses import replace

from switchyard.clock import Clock
from switchyard.core.principal import Principal
from switchyard.core.registry.names import checked_name, name_checked
from switchyard.domain import Scope
from switchyard.errors import Conflict, NotFound
from switchyard.ids import is_id, new_id
from switchyard.ports.registry import RegistryStore, RegistryTx, SiteChanges, SiteRecord, WriteRefused, given


class Sites:
    def __init__(self, store: RegistryStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def list_sites(self, who: Principal) -> list[SiteRecord]:
        async with self._store.reading() as tx:
            return await tx.sites.of_operator(who.operator_id)

    async def get_site(self, who: Principal, site_id: str) -> SiteRecord:
        async with self._store.reading() as tx:
            return await own_site(tx, who, site_id)

    async def create_site(self, who: Principal, name: str, address: str | None) -> SiteRecord:
        who.require(Scope.WRITE)
        now = self._clock.now()
        name = checked_name(name, "name")
        site = SiteRecord(new_id(), who.operator_id, name, address, created_at=now, updated_at=now)
        try:
            async with self._store.transaction() as tx:
                await tx.sites.add(site)
        except WriteRefused:
            raise Conflict(f"a site named {name!r} already exists") from None
        return site

    async def update_site(self, who: Principal, site_id: str, changes: SiteChanges) -> SiteRecord:
        who.require(Scope.WRITE)
        changes = name_checked(changes)
        try:
            async with self._store.transaction() as tx:
                site = await own_site(tx, who, site_id)
                now = self._clock.now()
                await tx.sites.update(site.id, changes, now)
        except WriteRefused:
            raise Conflict(f"a site named {changes.name!r} already exists") from None
        return replace(site, **given(changes), updated_at=now)

    async def delete_site(self, who: Principal, site_id: str) -> None:
        who.require(Scope.WRITE)
        try:
            async with self._store.transaction() as tx:
                site = await own_site(tx, who, site_id)
                count = await tx.stations.count_in_site(site.id)
                if count:
                    raise Conflict(f"site {site.name!r} still has {count} charge station(s); move or delete them first")
                await tx.sites.delete(site.id)
        except WriteRefused:
            # A station was put in the site between the count and the delete (the foreign key refused).
            raise Conflict(f"site {site.name!r} still has charge stations; move or delete them first") from None


async def own_site(tx: RegistryTx, who: Principal, site_id: str) -> SiteRecord:
    """The caller's site; another operator's does not exist for it (404, same as an unknown id)."""
    site = await tx.sites.get(site_id) if is_id(site_id) else None
    if site is None or site.operator_id != who.operator_id:
        raise NotFound(f"site {site_id} not found")
    return site
