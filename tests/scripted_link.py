"""A station link whose station answers from a script: for adapters and services tested without sockets."""

from collections.abc import Callable
from typing import Any

from switchyard.protocol.schemas import schema_set

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


def schema_checked(ocpp: str, answer: Answer, *, check_answers: bool = False) -> ScriptedLink:
    """A station answering with `answer`; each request is first checked against the version's official
    schema, as the call pipe requires. With `check_answers`, each answer too, as the call pipe makes
    sure of real ones (a script answering a status word no version defines cannot ask for that)."""
    schemas = schema_set(ocpp)

    def checked(action: str, payload: dict[str, Any]) -> dict[str, Any]:
        assert schemas.check_request(action, payload) is None, (action, payload)
        said = answer(action, payload)
        assert not check_answers or schemas.check_response(action, said) is None, (action, said)
        return said

    return ScriptedLink(checked)


def failing(error: Exception) -> Answer:
    """An answer that is `error`, raised as the link raises it."""

    def answer(action: str, payload: dict[str, Any]) -> dict[str, Any]:
        raise error

    return answer
