"""A station link whose station answers from a script: for adapters and services tested without sockets."""

from collections.abc import Callable
from typing import Any

Answer = Callable[[str, dict[str, Any]], dict[str, Any]]


class ScriptedLink:
    """Answers every call with `answer(action, payload)` and records what was sent."""

    def __init__(self, answer: Answer | None = None) -> None:
        self.answer: Answer = answer or (lambda action, payload: {})
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def call(
        self, identity: str, action: str, payload: dict[str, Any], timeout: float | None = None
    ) -> dict[str, Any]:
        self.calls.append((action, payload))
        return self.answer(action, payload)

    def is_connected(self, identity: str) -> bool:
        return True

    def ready_in(self, identity: str) -> float | None:
        return 0.0
