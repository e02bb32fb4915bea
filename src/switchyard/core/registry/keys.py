"""API keys: issued to an operator, shown once, kept only as a hash; and who presents a key."""

import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from switchyard.clock import Clock
from switchyard.core.principal import Principal
from switchyard.core.registry.names import checked_name
from switchyard.core.registry.operators import visible_operator
from switchyard.credentials import api_secret_matches, new_api_key, split_api_key
from switchyard.domain import Scope
from switchyard.errors import NotFound, Unauthorized
from switchyard.ids import is_id, new_id
from switchyard.ports.registry import ApiKeyRecord, RegistryStore, RegistryTx

# How stale an API key's last_used_at may be.
LAST_USED_PRECISION = timedelta(minutes=1)
# How long a verified key is trusted without looking at the database again.
KEY_CACHE_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class CreatedApiKey:
    key: ApiKeyRecord
    token: str


class ApiKeys:
    def __init__(self, store: RegistryStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        # Keys verified recently, by key id: (principal, secret hash, trusted until, last_used_at written).
        # Revoking on this node forgets a key at once; a revocation on another node takes effect here
        # within KEY_CACHE_SECONDS.
        self._verified: dict[str, tuple[Principal, str, float, datetime | None]] = {}

    async def authenticate(self, token: str) -> Principal:
        parts = split_api_key(token)
        if parts is None:
            raise Unauthorized("malformed API key")
        key_id, secret = parts
        cached = self._verified.get(key_id)
        if cached is not None and cached[2] > time.monotonic() and api_secret_matches(secret, cached[1]):
            await self._note_use(key_id, cached[3])
            return cached[0]
        async with self._store.reading() as tx:
            found = await tx.keys.with_platform(key_id)
        if found is None or not api_secret_matches(secret, found[0].secret_hash):
            raise Unauthorized("invalid API key")
        key, platform = found
        if key.revoked_at is not None:
            raise Unauthorized("this API key has been revoked")
        principal = Principal(key.operator_id, key.id, Scope(key.scope), platform)
        if len(self._verified) > 10_000:
            self._verified.clear()
        self._verified[key_id] = (principal, key.secret_hash, time.monotonic() + KEY_CACHE_SECONDS, key.last_used_at)
        await self._note_use(key_id, key.last_used_at)
        return principal

    async def _note_use(self, key_id: str, last_used_at: datetime | None) -> None:
        now = self._clock.now()
        if last_used_at is not None and now - last_used_at < LAST_USED_PRECISION:
            return  # a write per request would make every API call a transaction; a minute's precision will do
        async with self._store.transaction() as tx:
            await tx.keys.note_use(key_id, now)
        cached = self._verified.get(key_id)
        if cached is not None:
            self._verified[key_id] = (*cached[:3], now)

    def forget_keys(self, key_id: str | None = None) -> None:
        """Verify this key (or every key) against the database on its next use."""
        if key_id is None:
            self._verified.clear()
        else:
            self._verified.pop(key_id, None)

    async def bootstrap(self) -> str | None:
        """While no API key exists at all: an admin key of the first platform operator, returned once.

        Keyed on "no key exists" rather than "empty database", so a start that stopped between
        creating the operator and showing the key does not lock everyone out.
        """
        async with self._store.transaction() as tx:
            if await tx.keys.count():
                return None
            operator = await tx.operators.first_platform()
        if operator is None:
            return None
        return (await self.issue(operator.id, "bootstrap admin key", Scope.ADMIN, None)).token

    async def list_keys(self, who: Principal) -> list[ApiKeyRecord]:
        who.require(Scope.ADMIN)
        async with self._store.reading() as tx:
            return await tx.keys.of_operator(who.operator_id)

    async def get_key(self, who: Principal, key_id: str) -> ApiKeyRecord:
        who.require(Scope.ADMIN)
        async with self._store.reading() as tx:
            return await _own_key(tx, who, key_id)

    async def create_key(
        self, who: Principal, name: str, scope: Scope, operator_id: str | None = None
    ) -> CreatedApiKey:
        who.require(Scope.ADMIN)
        target = operator_id or who.operator_id
        if target != who.operator_id:
            who.require_platform_admin()
            async with self._store.reading() as tx:
                await visible_operator(tx, who, target)
        return await self.issue(target, checked_name(name, "name"), scope, who.key_id)

    async def revoke_key(self, who: Principal, key_id: str) -> ApiKeyRecord:
        who.require(Scope.ADMIN)
        async with self._store.transaction() as tx:
            key = await _own_key(tx, who, key_id)
            if key.revoked_at is None:
                now = self._clock.now()
                await tx.keys.revoke(key.id, now)
                key = replace(key, revoked_at=now)
        self.forget_keys(key.id)
        return key

    async def issue(self, operator_id: str, name: str, scope: Scope, created_by: str | None) -> CreatedApiKey:
        """A new key of the operator; who may have it and its name were checked by the caller."""
        key_id = new_id()
        secret = new_api_key(key_id)
        key = ApiKeyRecord(
            id=key_id,
            operator_id=operator_id,
            name=name,
            scope=scope.value,
            secret_hash=secret.secret_hash,
            created_at=self._clock.now(),
            created_by=created_by,
        )
        async with self._store.transaction() as tx:
            await tx.keys.add(key)
        return CreatedApiKey(key, secret.token)


async def _own_key(tx: RegistryTx, who: Principal, key_id: str) -> ApiKeyRecord:
    key = await tx.keys.get(key_id) if is_id(key_id) else None
    if key is None or key.operator_id != who.operator_id:
        raise NotFound(f"API key {key_id} not found")
    return key
