"""Logging: structlog for our events, the standard library for libraries; secrets never reach output."""

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

REDACTED = "***"
_SECRET_NAMES = re.compile(r"pass(word)?|secret|token|authorization|api_?key|authorizationkey", re.IGNORECASE)
_API_KEY = re.compile(r"sy_[0-9a-f]{24}_[A-Za-z0-9_\-]+")


def scrub(value: Any) -> Any:
    if isinstance(value, str):
        return _API_KEY.sub("sy_" + REDACTED, value)
    return value


def redact_secrets(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: mask fields named like secrets and anything shaped like an API key."""
    for name, value in list(event.items()):
        event[name] = REDACTED if _SECRET_NAMES.search(name) else scrub(value)
    return event


class _ScrubFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(str(record.msg))
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(scrub(a) for a in args)
        return True


def configure(level: str = "info", fmt: str = "console") -> None:
    numeric = logging.getLevelName(level.upper())
    renderer: Any = (
        structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact_secrets,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_ScrubFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s [%(levelname)-8s] %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(numeric)
