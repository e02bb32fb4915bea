"""Payload validation against the official JSON schemas shipped in the `ocpp` package.

Every schema of a version is compiled once (fastjsonschema generates a Python function per schema)
when the version is first used, and shared by every session of the process. Validation runs inline
on the event loop: it takes microseconds, so a thread pool would only add latency.

The official schemas leave integers unbounded, but OCPP's integer is 32 bits (2.0.1 part 2 §2.1;
1.6 stations and the databases behind us agree), so every integer field without a bound gets the
32-bit range before compiling: `connectorId: 9223372036854775808` is a PropertyConstraintViolation
at the door, not a row the database refuses later.
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

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
# JSON numbers for float fields: anything a float holds (a larger integer literal would overflow).
FLOAT_LIMIT = 1.7976931348623157e308

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
            schema = bounded(json.loads(entry.read_text(encoding="utf-8")))
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


def bounded(schema: Any) -> Any:
    """The schema with the 32-bit range on every integer, and a float's range on every number, that
    has no bound of its own (changed in place, and returned)."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        kinds = node.get("type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if "integer" in kinds:
            node.setdefault("minimum", INT32_MIN)
            node.setdefault("maximum", INT32_MAX)
        elif "number" in kinds:
            node.setdefault("minimum", -FLOAT_LIMIT)
            node.setdefault("maximum", FLOAT_LIMIT)
        stack.extend(value for value in node.values() if isinstance(value, dict | list))
    return schema


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
