"""Operators, API keys, sites and stations, always seen through one operator's eyes.

Every query is filtered by the caller's operator: another operator's resource does not exist for
the caller (NotFound), whatever the route or method. One service per concept (`operators`, `keys`,
`sites`, `stations`), each over the repositories of `ports.registry`; `Registry` holds the four.
"""

from switchyard.clock import Clock
from switchyard.core.registry.keys import ApiKeys, CreatedApiKey
from switchyard.core.registry.names import checked_name
from switchyard.core.registry.operators import Operators
from switchyard.core.registry.sites import Sites
from switchyard.core.registry.station_tls import StationTls
from switchyard.core.registry.stations import CreatedStation, IdentityInUse, LiveHooks, StationChanges, Stations
from switchyard.domain import Scope
from switchyard.ports.registry import OperatorChanges, RegistryStore, SiteChanges

__all__ = [
    "CreatedApiKey",
    "CreatedStation",
    "IdentityInUse",
    "LiveHooks",
    "OperatorChanges",
    "Registry",
    "SiteChanges",
    "StationChanges",
    "StationTls",
]


class Registry:
    """The four registry services over one store, and the two steps that span more than one."""

    def __init__(
        self,
        store: RegistryStore,
        clock: Clock,
        password_iterations: int,
        hooks: LiveHooks | None = None,
        station_tls: StationTls | None = None,
    ) -> None:
        self.keys = ApiKeys(store, clock)
        self.operators = Operators(store, clock, forget_keys=self.keys.forget_keys)
        self.sites = Sites(store, clock)
        self.stations = Stations(store, clock, password_iterations, hooks or LiveHooks(), station_tls or StationTls())

    async def bootstrap(self) -> str | None:
        """Both bootstrap steps at once (tools and tests that do not start a gateway)."""
        await self.operators.bootstrap()
        return await self.keys.bootstrap()

    async def create_key_for(self, operator_name: str, name: str, scope: Scope) -> CreatedApiKey:
        """A key for the operator called `operator_name`, created when missing (the CLI's way in)."""
        name = checked_name(name, "name")  # checked first: a refused key creates no operator either
        operator = await self.operators.ensure_operator(operator_name)
        return await self.keys.issue(operator.id, name, scope, None)
