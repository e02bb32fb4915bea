"""The one rule every registry name follows (operators, API keys, sites)."""

from dataclasses import replace
from typing import TypeVar

from switchyard.errors import InvalidInput
from switchyard.ports.registry import UNSET, OperatorChanges, SiteChanges

Named = TypeVar("Named", OperatorChanges, SiteChanges)


def checked_name(value: str, field_name: str) -> str:
    """`value` without surrounding blanks, refused when that leaves nothing or more than 100 characters."""
    value = value.strip()
    if not value:
        raise InvalidInput(f"{field_name}: must not be empty")
    if len(value) > 100:
        raise InvalidInput(f"{field_name}: has {len(value)} characters; at most 100 allowed")
    return value


def name_checked(changes: Named) -> Named:
    """The changes with their new name, if they give one, checked (`checked_name`)."""
    if changes.name is UNSET:
        return changes
    return replace(changes, name=checked_name(changes.name, "name"))
