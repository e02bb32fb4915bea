"""`switchyard migrate`: CSMS migrations through the API of a running Switchyard (docs/migration.md).

`plan` is the dry run: every station's preflight verdict, nothing sent. `start` starts the migration
and shows it live (waves, counts per state, failures with their reasons) until it ends; Ctrl-C stops
watching, not the migration. `status`, `pause`, `resume`, `cancel`, and per station `retry`,
`rollback` and `confirm`.
"""

import json
import time
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.live import Live

from switchyard.cli.api_client import DEFAULT_API_URL, ApiClient
from switchyard.cli.api_commands import ApiKey, ApiUrl, AsJson, api_session
from switchyard.cli.migration_view import JOB_ENDED, render, summary_lines
from switchyard.cli.output import fail, note, out, print_table, say

migrate_app = typer.Typer(no_args_is_help=True, help="CSMS migrations, through a running Switchyard.")

MigrationArg = Annotated[str, typer.Argument(metavar="MIGRATION", help="The migration's id")]
StationArg = Annotated[str, typer.Argument(metavar="STATION", help="The station's id or identity")]
Interval = Annotated[float, typer.Option(min=0.1, help="Seconds between looks at the migration")]


class Mode(StrEnum):
    SAME_DEPLOYMENT = "same-deployment"
    PEER = "peer"
    EXTERNAL = "external"


class Method(StrEnum):
    AUTO = "auto"
    V16 = "1.6-network-profile"
    V201 = "2.0.1-set-network-profile"


def _target_command(dry_run: bool) -> Callable[..., None]:
    """`plan` and `start` take the same description of a migration; `plan` only asks for the verdicts."""

    def command(
        target_url: Annotated[str, typer.Option("--target-url", help="The URL the stations move to")],
        security_profile: Annotated[int, typer.Option("--security-profile", min=1, max=3)] = 1,
        station: Annotated[
            list[str] | None, typer.Option("--station", help="A station id or identity (repeat)")
        ] = None,
        site: Annotated[str | None, typer.Option(help="Every station of this site")] = None,
        vendor: Annotated[str | None, typer.Option(help="Filter: vendor pattern")] = None,
        model: Annotated[str | None, typer.Option(help="Filter: model pattern")] = None,
        firmware: Annotated[str | None, typer.Option(help="Filter: firmware pattern")] = None,
        ocpp_version: Annotated[str | None, typer.Option("--ocpp-version", help="Filter: 1.6 or 2.0.1")] = None,
        method: Annotated[Method, typer.Option()] = Method.AUTO,
        confirm: Annotated[Mode, typer.Option(help="How arrival is confirmed")] = Mode.PEER,
        peer_api_url: Annotated[str | None, typer.Option("--peer-api-url", help="The target Switchyard's API")] = None,
        peer_api_key: Annotated[
            str | None, typer.Option("--peer-api-key", envvar="SWITCHYARD_PEER_API_KEY", show_default=False)
        ] = None,
        deadline: Annotated[int, typer.Option(min=1, help="Seconds after its reset a station has to arrive")] = 600,
        canary: Annotated[int, typer.Option(min=0)] = 1,
        wave_size: Annotated[int, typer.Option("--wave-size", min=1)] = 50,
        concurrency: Annotated[int, typer.Option(min=1)] = 20,
        max_failure_rate: Annotated[float, typer.Option("--max-failure-rate", min=0.0, max=1.0)] = 0.1,
        ca_installed: Annotated[
            bool, typer.Option("--ca-installed", help="1.6: the target's root is installed")
        ] = False,
        ca_certificate: Annotated[Path | None, typer.Option("--ca-certificate", help="The target's root (PEM)")] = None,
        force_reset: Annotated[bool, typer.Option("--force-reset", help="Reset even while charging")] = False,
        cleanup: Annotated[bool, typer.Option(help="Clean the old slot up after arrival")] = False,
        watch: Annotated[bool, typer.Option("--watch/--no-watch", help="Show it live until it ends")] = True,
        interval: Interval = 1.0,
        api_url: ApiUrl = DEFAULT_API_URL,
        api_key: ApiKey = None,
        as_json: AsJson = False,
    ) -> None:
        # Every option of the command, by name: the request says the same things.
        body = _request_body(dry_run, locals())
        with api_session(api_url, api_key) as api:
            job = api.post("/v1.1/migrations", body)
            if as_json:
                typer.echo(json.dumps(job, indent=2, ensure_ascii=False))
            elif dry_run:
                _verdicts(job)
            elif watch:
                _watch(api, job, interval)
            else:
                say(job["_id"])

    return command


migrate_app.command("plan", help="Every station's preflight verdict (a dry run: nothing is sent).")(
    _target_command(dry_run=True)
)
migrate_app.command("start", help="Start a migration and show it live (Ctrl-C stops watching only).")(
    _target_command(dry_run=False)
)


@migrate_app.command()
def status(
    migration: MigrationArg,
    watch: Annotated[bool, typer.Option("--watch", help="Show it live until it ends")] = False,
    interval: Interval = 1.0,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
    as_json: AsJson = False,
) -> None:
    """A migration: waves, counts per state and the failures with their reasons."""
    with api_session(api_url, api_key) as api:
        job = api.get(f"/v1.1/migrations/{migration}")
        if as_json:
            typer.echo(json.dumps(job, indent=2, ensure_ascii=False))
        elif watch:
            _watch(api, job, interval)
        else:
            for line in summary_lines(job):
                say(line)


def _job_action(name: str, done: str, help_text: str) -> None:
    def command(migration: MigrationArg, api_url: ApiUrl = DEFAULT_API_URL, api_key: ApiKey = None) -> None:
        with api_session(api_url, api_key) as api:
            job = api.post(f"/v1.1/migrations/{migration}/{name}", None)
        say(f"{done}: {job['status']}")

    migrate_app.command(name, help=help_text)(command)


def _station_action(name: str, help_text: str) -> None:
    def command(
        migration: MigrationArg, station: StationArg, api_url: ApiUrl = DEFAULT_API_URL, api_key: ApiKey = None
    ) -> None:
        with api_session(api_url, api_key) as api:
            result = api.post(f"/v1.1/migrations/{migration}/stations/{station}/{name}", None)
        say(f"{result['identity']}: {result['state']} ({result['step']})")

    migrate_app.command(name, help=help_text)(command)


_job_action("pause", "paused", "Start no more stations; the running ones finish their step.")
_job_action("resume", "resumed", "Go on after a pause or a stop, with a fresh failure budget.")
_job_action("cancel", "cancelled", "Cancel: pending stations are not started; none is left half-done.")
_station_action("retry", "Run a station again (after a fallback: reset it again).")
_station_action("rollback", "Restore the old priority (and 1.6 slot) of a station that fell back or failed.")
_station_action("confirm", "External confirmation: the station arrived at the new backend.")


def _request_body(dry_run: bool, given: dict[str, Any]) -> dict[str, Any]:
    waves = {
        "canary": given["canary"],
        "size": given["wave_size"],
        "concurrency": given["concurrency"],
        "maxFailureRate": given["max_failure_rate"],
    }
    body: dict[str, Any] = {
        "targetUrl": given["target_url"],
        "securityProfile": given["security_profile"],
        "method": given["method"].value,
        "confirmation": _confirmation(
            given["confirm"], given["peer_api_url"], given["peer_api_key"], given["deadline"]
        ),
        "waves": waves,
        "caInstalled": given["ca_installed"],
        "forceReset": given["force_reset"],
        "cleanup": given["cleanup"],
        "dryRun": dry_run,
        **_selection(
            given["station"], given["site"], given["vendor"], given["model"], given["firmware"], given["ocpp_version"]
        ),
    }
    if given["ca_certificate"] is not None:
        body["caCertificate"] = _read(given["ca_certificate"])
    return body


def _confirmation(mode: Mode, api_url: str | None, api_key: str | None, deadline: int) -> dict[str, Any]:
    confirmation: dict[str, Any] = {"mode": mode.value, "deadlineSeconds": deadline}
    if mode is Mode.PEER:
        if not api_url or not api_key:
            raise fail("--confirm peer needs --peer-api-url and --peer-api-key (or SWITCHYARD_PEER_API_KEY)")
        confirmation |= {"apiUrl": api_url, "apiKey": api_key}
    return confirmation


def _selection(
    stations: list[str] | None,
    site: str | None,
    vendor: str | None,
    model: str | None,
    firmware: str | None,
    ocpp_version: str | None,
) -> dict[str, Any]:
    flt = {
        k: v
        for k, v in {"vendor": vendor, "model": model, "firmware": firmware, "ocppVersion": ocpp_version}.items()
        if v
    }
    chosen = [name for name, given in (("--station", stations), ("--site", site), ("a filter", flt)) if given]
    if len(chosen) > 1 and not (chosen == ["--site", "a filter"]):
        raise fail(f"give stations one way: {' and '.join(chosen)} were both given")
    if stations:
        return {"stations": stations}
    if flt:
        return {"filter": {**flt, **({"site": site} if site else {})}}
    if site:
        return {"site": site}
    raise fail("which stations? give --station (repeatable), --site, or a filter (--vendor, --model, ...)")


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError as exc:
        raise fail(f"cannot read {path}: {exc.strerror or exc}") from None


def _verdicts(job: dict[str, Any]) -> None:
    rows = [[s["identity"], s["state"], s.get("reason") or ""] for s in job["stations"]]
    print_table(["station", "verdict", "reason"], rows)
    passing = sum(1 for s in job["stations"] if s["state"] == "pending")
    note(f"{passing} of {len(rows)} stations would move; nothing was sent")


def _watch(api: ApiClient, job: dict[str, Any], interval: float) -> None:
    """Live until the job ends; Ctrl-C stops watching and says how to look again."""
    job_id = job["_id"]
    if not out.is_terminal:
        job = _poll_until_ended(api, job, interval, lambda _: None)
        for line in summary_lines(job):
            say(line)
        return
    try:
        with Live(render(job), console=out, refresh_per_second=4) as live:
            _poll_until_ended(api, job, interval, lambda current: live.update(render(current)))
    except KeyboardInterrupt:
        note(f"stopped watching; the migration goes on: switchyard migrate status {job_id} --watch")


def _poll_until_ended(
    api: ApiClient, job: dict[str, Any], interval: float, show: Callable[[dict[str, Any]], None]
) -> dict[str, Any]:
    while job["status"] not in JOB_ENDED:
        time.sleep(interval)
        job = api.get(f"/v1.1/migrations/{job['_id']}")
        show(job)
    return job
