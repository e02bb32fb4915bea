"""Payload validation against the official JSON schemas shipped in the `ocpp` package.

Every schema of a version is compiled once (fastjsonschema generates a Python function per schema)
when the version is first used, and shared by every session of the process. Validation runs inline
on the event loop: it takes microseconds, so a thread pool would only add latency.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import fastjsonschema

from switchyard.protocol.dialect import Dialect, OcppVersion, dialect_for

Validator = Callable[[Any], Any]

TYPE_VIOLATION = "TypeConstraintViolation"
PROPERTY_VIOLATION = "PropertyConstraintViolation"

# JSON-schema rule that failed -> the kind of OCPP error it is (docs/protocol-errors.md).
_RULE_KINDS: dict[str, str] = {
    "type": "type",
    # CiStringNN / identifierString are length-bounded types in the OCPP data model.
    "maxLength": "type",
    "minLength": "type",
    "enum": "property",
    "const": "property",
    "minimum": "property",
    "maximum": "property",
    "exclusiveMinimum": "property",
    "exclusiveMaximum": "property",
    "multipleOf": "property",
    "pattern": "property",
    "format": "property",
    "required": "occurrence",
    "minItems": "occurrence",
    "maxItems": "occurrence",
    "minProperties": "occurrence",
    "maxProperties": "occurrence",
    "uniqueItems": "occurrence",
}


@dataclass(frozen=True, slots=True)
class Violation:
    code: str
    description: str


class SchemaSet:
    """The request and response validators of one OCPP version."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.requests: dict[str, Validator] = {}
        self.responses: dict[str, Validator] = {}
        folder = resources.files(dialect.schema_package).joinpath("schemas")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if not entry.name.endswith(".json"):
                continue
            name = entry.name.removesuffix(".json")
            schema = json.loads(entry.read_text(encoding="utf-8"))
            validator = fastjsonschema.compile(schema, use_formats=False, use_default=False)
            if name.endswith("Response"):
                self.responses[name.removesuffix("Response")] = validator
            else:
                self.requests[name.removesuffix("Request")] = validator
        self.actions = frozenset(self.requests)

    def check_request(self, action: str, payload: dict[str, Any]) -> Violation | None:
        return self._check(self.requests[action], payload)

    def check_response(self, action: str, payload: dict[str, Any]) -> Violation | None:
        return self._check(self.responses[action], payload)

    def _check(self, validator: Validator, payload: dict[str, Any]) -> Violation | None:
        try:
            validator(payload)
        except fastjsonschema.JsonSchemaValueException as exc:
            return Violation(self._code(exc.rule), _describe(exc))
        return None

    def _code(self, rule: str | None) -> str:
        kind = _RULE_KINDS.get(rule or "")
        if kind == "type":
            return TYPE_VIOLATION
        if kind == "property":
            return PROPERTY_VIOLATION
        if kind == "occurrence":
            return self.dialect.occurrence_violation
        return self.dialect.format_violation


def _describe(exc: fastjsonschema.JsonSchemaValueException) -> str:
    # fastjsonschema names the failing node `data.field.sub`; the station knows it as `field.sub`.
    message = str(exc.message)
    if message.startswith("data."):
        return message[len("data.") :]
    if message.startswith("data "):
        return "payload " + message[len("data ") :]
    return message


@cache
def schema_set(version: OcppVersion | str) -> SchemaSet:
    return SchemaSet(dialect_for(version))
