"""Which of the caller's stations a fleet job covers: a list (ids or identities), a site, or a filter.

Another operator's station or site does not exist for the caller (404, as an unknown one). A job has a
bound on its size, so one request cannot make the node hold an unbounded job in memory.
"""

from dataclasses import dataclass
from fnmatch import fnmatchcase

from switchyard.core.principal import Principal
from switchyard.core.registry.sites import own_site
from switchyard.errors import InvalidInput, NotFound
from switchyard.ids import is_id
from switchyard.ports.registry import RegisteredStation, RegistryStore, RegistryTx

MAX_MEMBERS = 10_000
_PAGE = 500


@dataclass(frozen=True, slots=True)
class StationFilter:
    """Stations whose reported vendor, model and firmware (shell-style patterns, `*` and `?`) and OCPP
    version match; None matches anything."""

    vendor: str | None = None
    model: str | None = None
    firmware: str | None = None
    ocpp_version: str | None = None
    site: str | None = None

    def matches(self, station: RegisteredStation) -> bool:
        return (
            _like(station.vendor, self.vendor)
            and _like(station.model, self.model)
            and _like(station.firmware_version, self.firmware)
            and (self.ocpp_version is None or station.ocpp_version == self.ocpp_version)
        )


@dataclass(frozen=True, slots=True)
class Selection:
    stations: tuple[str, ...] | None = None
    site: str | None = None
    filter: StationFilter | None = None

    def __post_init__(self) -> None:
        chosen = sum(x is not None for x in (self.stations, self.site, self.filter))
        if chosen != 1:
            raise InvalidInput("give exactly one of stations, site or filter")
        if self.stations is not None and not self.stations:
            raise InvalidInput("stations: give at least one station")


async def select(store: RegistryStore, who: Principal, selection: Selection) -> list[RegisteredStation]:
    """The stations, in the order given (a list) or registered (a site, a filter); each once."""
    async with store.reading() as tx:
        if selection.stations is not None:
            found = [await _own_station(tx, who, ref) for ref in selection.stations]
        elif selection.site is not None:
            site = await own_site(tx, who, selection.site)
            found = await _all(tx, who, site.id)
        else:
            assert selection.filter is not None
            site_id = (await own_site(tx, who, selection.filter.site)).id if selection.filter.site else None
            found = [s for s in await _all(tx, who, site_id) if selection.filter.matches(s)]
    unique = list({s.id: s for s in found}.values())
    if len(unique) > MAX_MEMBERS:
        raise InvalidInput(f"a job covers at most {MAX_MEMBERS} stations; this selection has {len(unique)}")
    if not unique:
        raise InvalidInput("the selection matches no station")
    return unique


async def _own_station(tx: RegistryTx, who: Principal, ref: str) -> RegisteredStation:
    station = await tx.stations.get(ref) if is_id(ref) else None
    if station is None:
        station = await tx.stations.by_identity(ref)
    if station is None or station.operator_id != who.operator_id:
        raise NotFound(f"charge station {ref} not found")
    return station


async def _all(tx: RegistryTx, who: Principal, site_id: str | None) -> list[RegisteredStation]:
    found: list[RegisteredStation] = []
    while True:
        page = await tx.stations.of_operator(who.operator_id, site_id=site_id, limit=_PAGE, offset=len(found))
        found.extend(page)
        if len(page) < _PAGE or len(found) > MAX_MEMBERS:
            return found


def _like(value: str | None, pattern: str | None) -> bool:
    if pattern is None:
        return True
    return value is not None and fnmatchcase(value.lower(), pattern.lower())
