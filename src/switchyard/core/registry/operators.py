"""Operators (tenants). A platform operator's admin keys manage them; every other caller sees only
its own operator."""

from collections.abc import Callable
from dataclasses import replace

from switchyard.clock import Clock
from switchyard.core.principal import Principal
from switchyard.core.registry.names import checked_name, name_checked
from switchyard.domain import Scope
from switchyard.errors import Conflict, NotFound
from switchyard.ids import is_id, new_id
from switchyard.ports.registry import (
    OperatorChanges,
    OperatorRecord,
    RegistryStore,
    RegistryTx,
    WriteRefused,
    given,
)


class Operators:
    def __init__(self, store: RegistryStore, clock: Clock, forget_keys: Callable[[], None]) -> None:
        self._store = store
        self._clock = clock
        # Deleting an operator deletes its keys: the key cache must not remember them.
        self._forget_keys = forget_keys

    async def bootstrap(self) -> None:
        """On an empty database: the platform operator `default` (open registration needs one)."""
        async with self._store.transaction() as tx:
            if await tx.operators.count():
                return
        await self._create("default", platform=True)

    async def ensure_operator(self, name: str) -> OperatorRecord:
        """The operator called `name`, created when missing (the first operator ever is the platform)."""
        name = checked_name(name, "name")
        async with self._store.transaction() as tx:
            existing = await tx.operators.named(name)
            if existing is not None:
                return existing
            first = not await tx.operators.count()
        return await self._create(name, platform=first)

    async def find_operator(self, name: str) -> OperatorRecord:
        """The operator called `name` (for the CLI, which names operators rather than authenticating)."""
        async with self._store.reading() as tx:
            operator = await tx.operators.named(name.strip())
        if operator is None:
            raise NotFound(f"operator {name!r} not found")
        return operator

    async def list_operators(self, who: Principal) -> list[OperatorRecord]:
        async with self._store.reading() as tx:
            if _sees_every_operator(who):
                return await tx.operators.all()
            own = await tx.operators.get(who.operator_id)
        return [] if own is None else [own]

    async def get_operator(self, who: Principal, operator_id: str) -> OperatorRecord:
        async with self._store.reading() as tx:
            return await visible_operator(tx, who, operator_id)

    async def create_operator(self, who: Principal, name: str, platform: bool = False) -> OperatorRecord:
        who.require_platform_admin()
        return await self._create(name, platform)

    async def update_operator(self, who: Principal, operator_id: str, changes: OperatorChanges) -> OperatorRecord:
        who.require(Scope.ADMIN)
        changes = name_checked(changes)
        try:
            async with self._store.transaction() as tx:
                operator = await visible_operator(tx, who, operator_id)
                if operator.id != who.operator_id:
                    who.require_platform_admin()
                now = self._clock.now()
                await tx.operators.update(operator.id, changes, now)
        except WriteRefused:
            raise Conflict(f"an operator named {changes.name!r} already exists") from None
        return replace(operator, **given(changes), updated_at=now)

    async def delete_operator(self, who: Principal, operator_id: str) -> None:
        who.require(Scope.ADMIN)
        try:
            async with self._store.transaction() as tx:
                # Visibility first: to a tenant admin another operator does not exist (404), as on GET.
                operator = await visible_operator(tx, who, operator_id)
                if operator.id == who.operator_id:
                    raise Conflict("an operator cannot delete itself")
                who.require_platform_admin()
                stations = await tx.stations.count_of_operator(operator.id)
                if stations:
                    raise Conflict(
                        f"operator {operator.name!r} still has {stations} charge station(s); delete them first"
                    )
                await tx.operators.delete(operator.id)
        except WriteRefused:
            # A station was added between the count and the delete; the foreign key refused.
            raise Conflict(f"operator {operator.name!r} still has charge stations; delete them first") from None
        self._forget_keys()  # its keys are gone with it

    async def _create(self, name: str, platform: bool) -> OperatorRecord:
        now = self._clock.now()
        name = checked_name(name, "name")
        operator = OperatorRecord(new_id(), name, platform, baseline_enabled=True, created_at=now, updated_at=now)
        try:
            async with self._store.transaction() as tx:
                await tx.operators.add(operator)
        except WriteRefused:
            raise Conflict(f"an operator named {name!r} already exists") from None
        return operator


async def visible_operator(tx: RegistryTx, who: Principal, operator_id: str) -> OperatorRecord:
    """The operator if the caller may see it: its own, or any for a platform admin (else 404)."""
    operator = await tx.operators.get(operator_id) if is_id(operator_id) else None
    if operator is None or not (operator.id == who.operator_id or _sees_every_operator(who)):
        raise NotFound(f"operator {operator_id} not found")
    return operator


def _sees_every_operator(who: Principal) -> bool:
    return who.platform and who.scope is Scope.ADMIN
