"""How the CLI shows a migration: its waves with a bar each, the counts per state, and the failures
with their reasons. Pure functions of the API's migration JSON, so what a person sees can be tested."""

from collections import Counter
from typing import Any

from rich.console import Group, RenderableType
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

# Where a station's procedure has ended, one way or another.
ENDED = frozenset(
    {"confirmed", "arrived", "fell_back", "failed", "rolled_back", "cancelled", "preflight_failed", "unsupported"}
)
TROUBLE = ("fell_back", "failed", "rolled_back", "preflight_failed", "unsupported")
JOB_ENDED = frozenset({"completed", "stopped", "cancelled"})
MAX_FAILURES_SHOWN = 20


def wave_of(position: int, canary: int, size: int) -> int:
    """0 is the canary; the waves after it count from 1 (as the job's wave rules number them)."""
    return 0 if position < canary else 1 + (position - canary) // max(size, 1)


def waves(job: dict[str, Any]) -> list[tuple[str, int, int]]:
    """(name, ended, total) per wave, in order."""
    policy = job.get("waves") or {}
    canary, size = int(policy.get("canary", 0)), int(policy.get("size", 1))
    total: Counter[int] = Counter()
    ended: Counter[int] = Counter()
    for position, station in enumerate(job.get("stations") or []):
        wave = wave_of(position, canary, size)
        total[wave] += 1
        ended[wave] += station.get("state") in ENDED
    return [("canary" if wave == 0 else f"wave {wave}", ended[wave], total[wave]) for wave in sorted(total)]


def headline(job: dict[str, Any]) -> str:
    name = job.get("_id") or "dry run"
    reason = f" ({job['reason']})" if job.get("reason") else ""
    return f"migration {name} to {job.get('targetUrl') or '-'}: {job.get('status')}{reason}"


def counts_line(job: dict[str, Any]) -> str:
    counts = job.get("counts") or {}
    return ", ".join(f"{state} {n}" for state, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def failures(job: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(identity, state, reason) of the stations in trouble, in the job's order."""
    return [
        (str(s.get("identity")), str(s.get("state")), str(s.get("reason") or ""))
        for s in job.get("stations") or []
        if s.get("state") in TROUBLE
    ]


def summary_lines(job: dict[str, Any]) -> list[str]:
    """The display as plain lines (for a pipe, a log, or a test)."""
    lines = [headline(job), f"  {counts_line(job)}"]
    lines += [f"  {name}: {done}/{total}" for name, done, total in waves(job)]
    trouble = failures(job)
    for identity, state, reason in trouble[:MAX_FAILURES_SHOWN]:
        lines.append(f"  {identity} {state}: {reason}")
    if len(trouble) > MAX_FAILURES_SHOWN:
        lines.append(f"  … and {len(trouble) - MAX_FAILURES_SHOWN} more")
    return lines


def render(job: dict[str, Any]) -> RenderableType:
    """The live display: headline, counts, a bar per wave, and the failures with their reasons."""
    bars = Table.grid(padding=(0, 1))
    bars.add_column(no_wrap=True)
    bars.add_column(width=40)
    bars.add_column(no_wrap=True)
    for name, done, total in waves(job):
        bars.add_row(name, ProgressBar(total=max(total, 1), completed=done, width=40), f"{done}/{total}")
    parts: list[RenderableType] = [Text(headline(job), style="bold"), Text(counts_line(job)), bars]
    trouble = failures(job)
    if trouble:
        table = Table("station", "state", "reason", title="failures", title_justify="left")
        for identity, state, reason in trouble[:MAX_FAILURES_SHOWN]:
            table.add_row(Text(identity), Text(state, style="red"), Text(reason))
        parts.append(table)
        if len(trouble) > MAX_FAILURES_SHOWN:
            parts.append(Text(f"… and {len(trouble) - MAX_FAILURES_SHOWN} more"))
    return Group(*parts)
