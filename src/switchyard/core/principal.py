"""Who is calling the API: an operator's API key and its scope."""

from dataclasses import dataclass

from switchyard.domain import Scope
from switchyard.errors import Forbidden


@dataclass(frozen=True, slots=True)
class Principal:
    operator_id: str
    key_id: str
    scope: Scope
    # A platform operator's admin keys may manage other operators (never their stations or sites).
    platform: bool

    def require(self, scope: Scope) -> None:
        if not self.scope.allows(scope):
            raise Forbidden(f"this API key has scope '{self.scope.value}'; '{scope.value}' is required")

    def require_platform_admin(self) -> None:
        self.require(Scope.ADMIN)
        if not self.platform:
            raise Forbidden("only admin keys of a platform operator may manage other operators")
