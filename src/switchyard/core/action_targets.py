"""What an action is aimed at, typed: the one place that reads and writes an action's stored `target`.

An action row keeps its target as JSON (`actions.target`); rows written by earlier versions of
Switchyard read back the same way, and only what differs from the defaults is written.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from switchyard.domain import ACTUAL, ResetKind


@dataclass(frozen=True, slots=True)
class SettingTarget:
    """The setting a configuration change sets, resolved against the station's last report."""

    # The setting as the station reports it (1.6 key, 2.0.1 `Component.Variable`).
    name: str
    # The 2.0.1 attribute the value is for.
    attribute: str = ACTUAL
    # The value's kind (catalogue or reported dataType): how a read-back is compared with what was sent.
    kind: str | None = None
    # The station never reports it (AuthorizationKey): its acceptance is all it can tell.
    writeonly: bool = False
    # Its value is kept encrypted until sent, and never shown.
    secret: bool = False
    # The station's login password: it authenticates with the new value from its next connection on.
    password: bool = False
    # How the request named it, when that differs from `name` (a 1.6 key sent to a 2.0.1 station).
    asked: str | None = None

    @property
    def is_actual(self) -> bool:
        return self.attribute == ACTUAL

    @property
    def audited(self) -> bool:
        """Whether the values before and after the change may be recorded."""
        return not (self.secret or self.writeonly)

    @classmethod
    def of(cls, stored: Mapping[str, Any]) -> "SettingTarget":
        return cls(
            name=stored["name"],
            attribute=stored.get("attributeType", ACTUAL),
            kind=stored.get("kind"),
            writeonly=bool(stored.get("writeonly")),
            secret=bool(stored.get("secret")),
            password=bool(stored.get("password")),
            asked=stored.get("asked"),
        )

    def stored(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        if self.attribute != ACTUAL:
            out["attributeType"] = self.attribute
        out["kind"] = self.kind
        for flag in ("writeonly", "secret", "password"):
            if getattr(self, flag):
                out[flag] = True
        if self.asked is not None:
            out["asked"] = self.asked
        return out


@dataclass(frozen=True, slots=True)
class ResetTarget:
    kind: ResetKind
    # Sent even while a transaction runs on the station.
    force: bool = False

    @classmethod
    def of(cls, stored: Mapping[str, Any]) -> "ResetTarget":
        # Rows before issue 9 keep the word sent on the wire: either version's word names the kind.
        return cls(ResetKind.named(stored["type"]) or ResetKind.HARD, bool(stored.get("force")))

    def stored(self) -> dict[str, Any]:
        return {"type": self.kind.value, "force": self.force}


class ReadTrigger(StrEnum):
    API = "api"
    BOOT = "boot"


@dataclass(frozen=True, slots=True)
class ReadTarget:
    """A whole-configuration read, and what asked for it."""

    trigger: ReadTrigger

    @classmethod
    def of(cls, stored: Mapping[str, Any]) -> "ReadTarget":
        return cls(ReadTrigger(stored.get("trigger", ReadTrigger.API)))

    def stored(self) -> dict[str, Any]:
        return {"trigger": self.trigger.value}
