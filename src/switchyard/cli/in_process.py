"""What the commands that do their work in this process share (serve, sim, and those that open the
database): settings from options and SWITCHYARD_* variables, and running a coroutine so that a refusal
or an environment problem is one line and exit 1."""

from collections.abc import Coroutine
from typing import Annotated, Any, TypeVar

import typer
import uvloop
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from switchyard.cli.output import fail
from switchyard.errors import DomainError
from switchyard.settings import Settings

T = TypeVar("T")

DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="SQLAlchemy URL (default: SWITCHYARD_DATABASE_URL or ./switchyard.db)"),
]


def settings_from(**overrides: Any) -> Settings:
    """The settings, with the options given (those not None) over the SWITCHYARD_* variables."""
    given = {name: value for name, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise fail(f"invalid settings (options or SWITCHYARD_* variables): {problems}") from None


def run(work: Coroutine[Any, Any, T], os_error: str = "cannot use the database") -> T:
    """Run `work`; a refusal or an environment problem (`os_error`: what failed) is one line and exit 1."""
    try:
        return uvloop.run(work)
    except DomainError as exc:
        raise fail(exc.message) from None
    except SQLAlchemyError as exc:
        raise fail(f"cannot use the database: {exc}".splitlines()[0]) from None
    except OSError as exc:
        raise fail(f"{os_error}: {exc}".splitlines()[0]) from None
