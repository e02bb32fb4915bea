"""The JSON examples of seed 002 (the eDRV configuration document), kept verbatim in seed002_examples.json."""

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

ID = re.compile(r"^[0-9a-f]{24}$")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@cache
def examples() -> dict[str, Any]:
    return json.loads((Path(__file__).parent / "seed002_examples.json").read_text())  # type: ignore[no-any-return]


def same_shape(ours: Any, theirs: Any, where: str = "$") -> list[str]:
    """Where `ours` differs from `theirs` in field names, field order or JSON type (not in values)."""
    if isinstance(theirs, dict):
        if not isinstance(ours, dict):
            return [f"{where}: object expected, got {type(ours).__name__}"]
        problems = []
        if list(ours) != list(theirs):
            problems.append(f"{where}: fields {list(ours)} != {list(theirs)}")
        for name in theirs:
            if name in ours:
                problems += same_shape(ours[name], theirs[name], f"{where}.{name}")
        return problems
    kinds = (bool, int, float, str, list, type(None))
    theirs_kind = next(k for k in kinds if isinstance(theirs, k))
    if not isinstance(ours, theirs_kind) or (theirs_kind is not bool and isinstance(ours, bool)):
        return [f"{where}: {theirs_kind.__name__} expected, got {type(ours).__name__}"]
    return []
