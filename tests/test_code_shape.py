"""The size rules of docs/architecture.md, checked: a module holds one concept and stays small, a
function fits on a screen. Data tables (the catalogue entries) and Alembic migrations (frozen
history: an applied migration is never rewritten) are exempt."""

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "switchyard"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
EXEMPT = ("protocol/catalogue_entries.py", "store/migrations/")


def _modules() -> list[Path]:
    return sorted(path for path in SOURCE.rglob("*.py") if not any(part in path.as_posix() for part in EXEMPT))


def _name(path: Path) -> str:
    return path.relative_to(SOURCE).as_posix()


@pytest.mark.parametrize("path", _modules(), ids=_name)
def test_modules_and_functions_stay_small(path: Path) -> None:
    text = path.read_text()
    lines = len(text.splitlines())
    assert lines <= MAX_MODULE_LINES, f"{_name(path)} has {lines} lines; split it by concept"
    too_long = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)])
            length = (node.end_lineno or node.lineno) - first + 1
            if length > MAX_FUNCTION_LINES:
                too_long.append(f"{node.name} ({length} lines, line {first})")
    assert not too_long, f"{_name(path)}: functions over {MAX_FUNCTION_LINES} lines: {', '.join(too_long)}"
