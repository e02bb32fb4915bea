"""Medians, ratios and goals of a benchmark run, as a console table and as bench/RESULTS.md."""

import importlib.metadata
import os
import platform
import statistics
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil

from switchyard.settings import Settings

BASELINE = "baseline"
SWITCHYARD = "switchyard"
REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("ocpp", "websockets", "picows", "uvloop", "switchyard", "sqlalchemy", "aiosqlite", "psutil")
MB = 1_000_000
USAGE_COLUMNS = [
    ("server CPU", "server_cpu", ".0%"),
    ("client CPU", "client_cpu", ".0%"),
    ("other CPU", "other_cpu", ".0%"),
    ("listen overflows", "listen_overflows", ".0f"),
    ("waited for quiet s", "quiet_wait", ".0f"),
]


@dataclass
class Summary:
    command: str
    started: datetime
    elapsed: float
    plan: dict[str, Any]
    nofile: tuple[int, int]
    provision_seconds: float
    raw: dict[str, dict[str, list[dict[str, Any]]]]


@dataclass
class Goal:
    title: str
    baseline: float | None
    switchyard: float | None
    unit: str
    ratio: float | None
    target: str
    met: bool | None
    stretch: str = ""
    per_run: list[float | None] | None = None


def median(runs: list[dict[str, Any]], key: str) -> float | None:
    values = [run[key] for run in runs if "error" not in run]
    return statistics.median(values) if values else None


def per_run(summary: Summary, name: str, key: str) -> list[float | None]:
    """Switchyard / baseline within each run (each run measured both servers back to back)."""
    pairs = zip(summary.raw[name][SWITCHYARD], summary.raw[name][BASELINE], strict=False)
    return [None if "error" in sy or "error" in base else _ratio(sy[key], base[key]) for sy, base in pairs]


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def goals(summary: Summary) -> list[Goal]:
    raw, plan = summary.raw, summary.plan
    found = []
    base, sy = median(raw["heartbeat"][BASELINE], "rate"), median(raw["heartbeat"][SWITCHYARD], "rate")
    ratio = _ratio(sy, base)
    found.append(
        Goal(
            f"Heartbeat round trips/s, {plan['heartbeat_stations']} stations back-to-back",
            base,
            sy,
            "/s",
            ratio,
            ">= 10x",
            None if ratio is None else ratio >= 10,
            "" if ratio is None else f"stretch >= 20x: {'met' if ratio >= 20 else 'not met'}",
            per_run(summary, "heartbeat", "rate"),
        )
    )
    base, sy = median(raw["memory"][BASELINE], "per_station"), median(raw["memory"][SWITCHYARD], "per_station")
    ratio = _ratio(sy, base)
    found.append(
        Goal(
            f"Memory per idle booted station ({plan['memory_stations']} stations)",
            base,
            sy,
            "B",
            ratio,
            "<= 0.75x",
            None if ratio is None else ratio <= 0.75,
            per_run=per_run(summary, "memory", "per_station"),
        )
    )
    base, sy = median(raw["connect"][BASELINE], "seconds"), median(raw["connect"][SWITCHYARD], "seconds")
    ratio = _ratio(sy, base)
    found.append(
        Goal(
            f"Connect+boot {plan['connect_stations']} stations ({plan['concurrency']} at a time)",
            base,
            sy,
            "s",
            ratio,
            "<= 0.40x",
            None if ratio is None else ratio <= 0.40,
            per_run=per_run(summary, "connect", "seconds"),
        )
    )
    chosen = median(raw["connect-chosen"][SWITCHYARD], "seconds")
    found.append(
        Goal(
            f"Connect+boot {plan['connect_stations']} stations with chosen passwords ({stretch()}; "
            "baseline column: the row above)",
            base,
            chosen,
            "s",
            _ratio(chosen, base),
            "recorded",
            None,
            per_run=[
                None if "error" in sy or "error" in b else _ratio(sy["seconds"], b["seconds"])
                for sy, b in zip(raw["connect-chosen"][SWITCHYARD], raw["connect"][BASELINE], strict=False)
            ],
        )
    )
    quiet, under = median(raw["hostile"][SWITCHYARD], "quiet_p99_ms"), median(raw["hostile"][SWITCHYARD], "fuzz_p99_ms")
    ratio = _ratio(under, quiet)
    found.append(
        Goal(
            f"Heartbeat p99 latency of {plan['hostile_stations']} good stations while {plan['hostile_stations']} "
            "hostile ones fuzz (baseline column: without them)",
            quiet,
            under,
            "ms",
            ratio,
            "recorded",
            None,
        )
    )
    sy = median(raw["idle"][SWITCHYARD], "rss_after")
    found.append(
        Goal(
            f"{plan['idle_stations']} idle booted stations in one process, total RSS",
            None,
            sy,
            "B",
            None,
            "<= 300 MB",
            None if sy is None else sy <= 300 * MB,
        )
    )
    return found


def stretch() -> str:
    return f"PBKDF2, {Settings().station_password_iterations} iterations"


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "/s":
        return f"{value:,.0f} /s"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "ms":
        return f"{value:.2f} ms"
    if value >= 10 * MB:
        return f"{value / MB:.1f} MB"
    return f"{value / 1024:.1f} KiB"


def brief(name: str, values: dict[str, Any]) -> str:
    cpu = f"CPU server {values['server_cpu']:.0%}, client {values['client_cpu']:.0%}, other {values['other_cpu']:.0%}"
    if name == "heartbeat":
        return f"{values['rate']:>9,.0f} round trips/s  ({cpu})"
    if name == "hostile":
        return (
            f"p50/p99 {values['quiet_p50_ms']:.2f}/{values['quiet_p99_ms']:.2f} ms quiet, "
            f"{values['fuzz_p50_ms']:.2f}/{values['fuzz_p99_ms']:.2f} ms under fuzz "
            f"({values['probes_answered']:,} hostile frames answered)  ({cpu})"
        )
    return (
        f"{values['seconds']:6.2f} s to connect+boot, RSS {values['rss_before'] / MB:.1f} -> "
        f"{values['rss_after'] / MB:.1f} MB, {values['per_station'] / 1024:.1f} KiB/station  ({cpu})"
    )


def _verdict(goal: Goal) -> str:
    if goal.met is None:
        return "n/a"
    return "yes" if goal.met else "NO"


def table(summary: Summary) -> str:
    rows = [("goal", "baseline", "switchyard", "ratio", "target", "met")]
    for goal in goals(summary):
        rows.append(
            (
                goal.title,
                fmt(goal.baseline, goal.unit),
                fmt(goal.switchyard, goal.unit),
                "" if goal.ratio is None else f"{goal.ratio:.2f}x",
                goal.target,
                _verdict(goal) + (f" ({goal.stretch})" if goal.stretch else ""),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


# -- machine and software -------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return platform.system()


def versions() -> dict[str, str]:
    found = {}
    for name in PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def git_state() -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"], cwd=REPO, capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{commit}" + (" with uncommitted changes under src/" if dirty else " (src/ clean)")


# -- RESULTS.md -----------------------------------------------------------------------------------


def _raw_table(summary: Summary, name: str, columns: list[tuple[str, str, str]]) -> list[str]:
    kinds = [kind for kind in (BASELINE, SWITCHYARD) if summary.raw[name][kind]]
    lines = ["| run | server | " + " | ".join(title for title, _, _ in columns) + " |"]
    lines.append("|---|---|" + "---|" * len(columns))
    for index in range(summary.plan["runs"]):
        for kind in kinds:
            runs = summary.raw[name][kind]
            if index >= len(runs):
                continue
            values = runs[index]
            if "error" in values:
                lines.append(f"| {index + 1} | {kind} | failed: {values['error']} |" + " |" * (len(columns) - 1))
                continue
            cells = [format(values[key], spec) if spec else str(values[key]) for _, key, spec in columns]
            lines.append(f"| {index + 1} | {kind} | " + " | ".join(cells) + " |")
    for kind in kinds:
        cells = []
        for _, key, spec in columns:
            value = median(summary.raw[name][kind], key)
            cells.append("n/a" if value is None else format(value, spec))
        lines.append(f"| median | {kind} | " + " | ".join(cells) + " |")
    return lines


def _kib(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        run
        if "error" in run
        else {**run, "per_station_kib": run["per_station"] / 1024, "before_mb": run["rss_before"] / MB}
        | {"after_mb": run["rss_after"] / MB}
        for run in runs
    ]


def markdown(summary: Summary) -> str:
    plan = summary.plan
    memory = psutil.virtual_memory().total
    soft, hard = summary.nofile
    pinned = "server pinned to CPU 0, load client to CPU 1" if plan["pinned"] else "not pinned"
    out = [
        "# Gateway benchmark results",
        "",
        "Switchyard's OCPP gateway against a baseline central system written the usual way with the `ocpp`",
        "library, measured in the same run on the same machine. Generated by `bench/gateway.py`; do not edit.",
        "",
        "## How it was run",
        "",
        "```",
        f"{summary.command}        # from the repository root, in the project's virtualenv (or: make bench)",
        "```",
        "",
        f"- Date: {summary.started:%Y-%m-%d %H:%M} UTC; the whole run took {summary.elapsed / 60:.1f} minutes.",
        f"- Switchyard source: commit {git_state()}.",
        f"- Machine: {cpu_model()}, {os.cpu_count()} cores, {memory / 2**30:.0f} GiB RAM, {os_name()}, "
        f"Linux {platform.release()}.",
        f"- Python {platform.python_version()}; "
        + ", ".join(f"{name} {version}" for name, version in versions().items())
        + ".",
        f"- Open files: `ulimit -Hn` was {hard} (soft {soft}); every benchmark process raises its soft limit "
        "to the hard limit.",
        f"- Processes: one server process and one load-client process ({pinned}); each measurement starts a "
        "fresh server and stops it afterwards.",
        f"- Runs: {plan['runs']}, interleaved: in each run every measurement is taken on both servers "
        "(baseline first in odd runs, Switchyard first in even runs). Figures below are medians over the runs.",
        "",
        "## Results (medians)",
        "",
        "| goal | baseline | Switchyard | Switchyard / baseline | per-run ratios | target | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for goal in goals(summary):
        ratio = "" if goal.ratio is None else f"{goal.ratio:.2f}x"
        runs = ", ".join("failed" if r is None else f"{r:.2f}x" for r in goal.per_run or [])
        met = _verdict(goal) + (f"; {goal.stretch}" if goal.stretch else "")
        out.append(
            f"| {goal.title} | {fmt(goal.baseline, goal.unit)} | {fmt(goal.switchyard, goal.unit)} | {ratio} | "
            f"{runs} | {goal.target} | {met} |"
        )
    out += [
        "",
        "Ratios are Switchyard divided by baseline: for throughput higher is better, for time and memory lower is "
        "better. The ratio column divides the medians; the per-run ratios divide the two servers' figures within "
        "each run. MB is 10^6 bytes.",
        "",
        "## What is measured",
        "",
        f"1. **Heartbeat throughput.** {plan['heartbeat_stations']} stations connect and boot; on Switchyard they "
        "first wait until each got the configuration read Switchyard sends after a boot, refuse it "
        "(`NotSupported`, as a station without that call would) and 0.5 s passed, so the window measures "
        "heartbeats, not the end of the post-boot work (which the connect measurement includes). Then each sends "
        "`Heartbeat` CALLs back-to-back with exactly one outstanding call. Round trips (CALLRESULTs received) are "
        f"counted over {plan['heartbeat_duration']:g} s after a {plan['heartbeat_warmup']:g} s warm-up. Server CPU is "
        "the server process's CPU time during the window divided by the window (100% = one core). The machine "
        "has two cores, and at Switchyard's rate the load client needs a large part of the other one (each "
        "round trip is a send and a receive system call on both sides), so a Switchyard run whose server CPU is "
        "well below 100% was limited by the client or by other load, not by the server.",
        f"2. **Memory per idle booted station.** RSS of the server process (psutil) {plan['idle_settle']:g} s after "
        f"{plan['memory_stations']} stations connected and booted, minus its RSS before they connected "
        f"(taken {plan['settle']:g} s after the server became ready), divided by {plan['memory_stations']}.",
        f"3. **Connect+boot time.** Wall time for the client to open {plan['connect_stations']} websocket "
        f"connections and get each BootNotification answered Accepted, {plan['concurrency']} at a time "
        "(each slot connects, boots, then takes the next station; the stations stay connected). The stations "
        "have the passwords Switchyard generated for them (hashed with one PBKDF2 iteration, ADR 0008); the "
        f"row *with chosen passwords* repeats the measurement on Switchyard with {plan['connect_stations']} "
        f"stations whose passwords were given when they were registered ({stretch()}), in the same runs.",
        f"4. **Idle stations in one process** (Switchyard only). Total RSS of the server process with "
        f"{plan['idle_stations']} connected, booted, idle stations.",
        f"5. **Heartbeat latency under attack** (Switchyard only, default settings). {plan['hostile_stations']} "
        "good stations each send a Heartbeat every 50 ms and time its round trip over "
        f"{plan['hostile_window']:g} s; then {plan['hostile_stations']} hostile stations connect and send the "
        "corpus of `switchyard/sim/hostile.py` (deep nesting, huge integers and strings, wrong types, invalid "
        "UTF-8, binary frames, 2 MB frames, seeded mutations), each frame followed by a Heartbeat so that frames "
        f"without an answer are paced too, and the good stations are timed again over {plan['hostile_window']:g} s. "
        "The goal row compares the p99 latency with and without the attack; both clients run on the client CPU "
        "(`bench/hostile_client.py`).",
        "",
        "The heartbeat measurement lifts Switchyard's per-station flow budget (50 messages/s; "
        "`SWITCHYARD_STATION_MESSAGE_RATE`), because each of its stations sends about 1,000 heartbeats a second; "
        "the budget's check is still made on every message. Every other measurement runs on default settings.",
        "",
        "CPU columns in the raw tables are CPU seconds per wall second over the timed stretch (the heartbeat "
        "window; for the other measurements from the client's start until every station booted): the server "
        "process, the load client, and everything else on the machine (`other`, a noise indicator). Before each "
        f"measurement the driver waits, at most {plan['quiet_wait']:g} s, until other processes use less than "
        f"{plan['quiet_load']:g} of a core; `listen overflows` counts connections the kernel dropped because the "
        "server's listen queue was full.",
        "",
        "The load client (`bench/load_client.py`, uvloop) is the same code for both servers. It sends the same "
        "upgrade request to both: path `/ocpp/{identity}`, subprotocol `ocpp1.6`, and "
        "`Authorization: Basic base64(identity:password)`; the baseline ignores the header. The heartbeat "
        "measurement uses picows stations (frames encoded once); the connect, memory and idle measurements use "
        "the minimal station of `bench/raw_client.py` (upgrade, check of the 101 and its Sec-WebSocket-Accept, "
        "one masked BootNotification), because the picows client spent as much CPU per connection as the "
        "servers and capped what connect+boot could show. The raw station does not answer calls from the "
        "server: the configuration reads Switchyard sends after each boot (at most "
        "`SWITCHYARD_BOOT_READ_CONCURRENCY`, 20, at a time) stay in flight while those measurements run.",
        "",
        "## The two servers",
        "",
        "- **Baseline** (`bench/baseline_server.py`): an `ocpp.v16.ChargePoint` subclass with "
        "`@on(Action.boot_notification)` and `@on(Action.heartbeat)` handlers returning `call_result` dataclasses, "
        "served by `websockets.asyncio.server.serve(..., subprotocols=['ocpp1.6'])` on the default asyncio event "
        "loop; default `ocpp` settings (request and response payloads are validated against the JSON schemas); "
        "identity from the path; no authentication, as in the library's examples. Two deviations, both in the "
        "baseline's favour: the listen backlog is 4096 (as Switchyard's) instead of asyncio's 100, and logging is "
        "not configured, so the library's per-message INFO log lines are not emitted.",
        "- **Switchyard** (`bench/switchyard_server.py`): the real node started with `switchyard.runner.serve` under "
        "uvloop, exactly as `switchyard serve` does (API included), with default settings except host, ports and "
        f"`database_url` (a fresh copy of a SQLite database in a temporary directory). {plan['idle_stations']} "
        "stations are registered beforehand through `Registry.create_station`: OCPP 1.6, security profile 1, an "
        "AuthorizationKey that Switchyard generates (40 hex digits; the clients read them from a file the "
        f"registration writes) ({summary.provision_seconds:.1f} s, not timed); and, for the row with chosen "
        f"passwords, {plan['connect_stations']} stations in another database with a 40-hex-digit key given to "
        "`create_station`.",
        "",
        "Switchyard does more work per connection than the baseline: it looks the station up in the database, "
        "checks its password (PBKDF2-HMAC-SHA256, security profile 1), records connection state, the BootNotification "
        "and last-seen times write-behind in SQLite, queues a configuration read for every boot (an action "
        "row, written with the boot's lane state in batches during a storm), and validates every CALL and "
        "CALLRESULT against the OCPP schemas (per-station connect lines are DEBUG; an INFO summary is logged "
        "every minute). The baseline "
        "validates payloads too but does no authentication and keeps no state.",
        "",
        "## Raw numbers per run",
        "",
        "### Heartbeat round trips per second",
        "",
    ]
    out += _raw_table(
        summary,
        "heartbeat",
        [("round trips/s", "rate", ",.0f"), *USAGE_COLUMNS],
    )
    hold_columns = [
        ("connect+boot s", "seconds", ".2f"),
        ("RSS before MB", "before_mb", ".1f"),
        ("RSS after MB", "after_mb", ".1f"),
        ("KiB per station", "per_station_kib", ".1f"),
        *USAGE_COLUMNS,
    ]
    for name, title in (
        ("memory", f"Memory, {plan['memory_stations']} idle booted stations"),
        ("connect", f"Connect+boot, {plan['connect_stations']} stations"),
        ("connect-chosen", f"Connect+boot, {plan['connect_stations']} stations, chosen passwords (Switchyard only)"),
        ("idle", f"{plan['idle_stations']} idle stations (Switchyard only)"),
    ):
        converted = Summary(**{**summary.__dict__, "raw": {name: {k: _kib(v) for k, v in summary.raw[name].items()}}})
        out += ["", f"### {title}", ""]
        out += _raw_table(converted, name, hold_columns)
    out += ["", f"### Heartbeat latency, {plan['hostile_stations']} good stations, quiet and under attack", ""]
    out += _raw_table(
        summary,
        "hostile",
        [
            ("quiet p50 ms", "quiet_p50_ms", ".2f"),
            ("quiet p99 ms", "quiet_p99_ms", ".2f"),
            ("quiet max ms", "quiet_max_ms", ".2f"),
            ("under attack p50 ms", "fuzz_p50_ms", ".2f"),
            ("under attack p99 ms", "fuzz_p99_ms", ".2f"),
            ("under attack max ms", "fuzz_max_ms", ".2f"),
            ("hostile frames answered", "probes_answered", ",.0f"),
            ("hostile reconnects", "hostile_reconnects", ",.0f"),
            *USAGE_COLUMNS,
        ],
    )
    out.append("")
    return "\n".join(out)
