"""Logging: structlog for our events, the standard library for libraries; secrets never reach output.

Masking happens twice: structured fields named like secrets are replaced (at any depth), and the
final rendered text, exception tracebacks included, has anything shaped like an API key masked.
"""

import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any, TextIO

import structlog

REDACTED = "***"
LEVELS = ("debug", "info", "warning", "error", "critical")
_SECRET_NAMES = re.compile(r"pass(word)?|secret|token|authorization|api_?key|authorizationkey", re.IGNORECASE)
_API_KEY = re.compile(r"sy_[0-9a-f]{24}_[A-Za-z0-9_\-]+")


def scrub(value: Any) -> Any:
    """`value` with every API key in it masked, at any depth of dicts, lists and tuples."""
    if isinstance(value, str):
        return _API_KEY.sub("sy_" + REDACTED, value)
    if isinstance(value, Mapping):
        return {name: REDACTED if _secret_name(name) else scrub(item) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(scrub(item) for item in value)
    return value


def _secret_name(name: object) -> bool:
    return isinstance(name, str) and _SECRET_NAMES.search(name) is not None


def redact_secrets(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: mask fields named like secrets and anything shaped like an API key."""
    for name, value in list(event.items()):
        event[name] = REDACTED if _secret_name(name) else scrub(value)
    return event


def _scrub_rendered(_logger: Any, _method: str, rendered: Any) -> Any:
    """structlog processor after the (text) renderer: the last word on what is actually written."""
    return scrub(rendered)


class _ScrubbingFormatter(logging.Formatter):
    """Masks the whole formatted record: message, arguments of any shape, and traceback."""

    def format(self, record: logging.LogRecord) -> str:
        return str(scrub(super().format(record)))


def configure(level: str = "info", fmt: str = "console", stream: TextIO | None = None, cache: bool = True) -> None:
    """Route structlog and the standard library to `stream` (stderr) at `level`.

    `cache=False` keeps loggers re-reading the configuration, for code that configures more than once.
    """
    if level.lower() not in LEVELS:
        raise ValueError(f"log level must be one of {', '.join(LEVELS)}; got {level!r}")
    numeric = logging.getLevelNamesMapping()[level.upper()]
    output = stream or sys.stderr
    renderer: Any = (
        structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            redact_secrets,
            renderer,
            _scrub_rendered,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(output),
        cache_logger_on_first_use=cache,
    )
    handler = logging.StreamHandler(output)
    handler.setFormatter(_ScrubbingFormatter("%(asctime)s [%(levelname)-8s] %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(numeric)
    # At DEBUG, SQLAlchemy logs every statement with its parameters: rows with station secrets in
    # them (a pending password's hash, a report page) would reach the log. Its warnings still do.
    logging.getLogger("sqlalchemy").setLevel(max(numeric, logging.WARNING))
