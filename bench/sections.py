"""bench/RESULTS.md holds one section per benchmark driver; each driver rewrites only its own."""

import re
from pathlib import Path


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- begin {name} -->", f"<!-- end {name} -->"


def write_section(path: Path, name: str, text: str) -> None:
    begin, end = _markers(name)
    block = f"{begin}\n{text.rstrip()}\n{end}\n"
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if "<!-- begin " not in current and current.strip():
        # A report from before sections: it is the gateway benchmark's.
        current = "\n".join(_markers("gateway")).replace("\n", f"\n{current.rstrip()}\n", 1) + "\n"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end) + r"\n?", re.DOTALL)
    if pattern.search(current):
        updated = pattern.sub(lambda _: block, current, count=1)
    else:
        updated = (current.rstrip() + "\n\n" if current.strip() else "") + block
    path.write_text(updated, encoding="utf-8")
