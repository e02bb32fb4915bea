"""`switchyard config` and `switchyard actions`: a station's configuration and the requests to stations,
through the API of a running Switchyard (the station sockets live in the server). They never open the
database themselves: an import-linter contract in pyproject.toml keeps it so."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Group
from rich.live import Live
from rich.spinner import Spinner
from rich.text import Text

from switchyard.cli.api_client import DEFAULT_API_URL, TERMINAL, ApiClient, ApiError, StillRunning
from switchyard.cli.output import err, fail, print_table, say
from switchyard.core.actions import ActionType, Status

config_app = typer.Typer(no_args_is_help=True, help="A station's configuration, through a running Switchyard.")
actions_app = typer.Typer(no_args_is_help=True, help="Requests to stations and their outcome, through the API.")

ApiUrl = Annotated[str, typer.Option("--api-url", envvar="SWITCHYARD_API_URL", help="Switchyard's API")]
ApiKey = Annotated[
    str | None, typer.Option("--api-key", envvar="SWITCHYARD_API_KEY", help="An API key", show_default=False)
]
StationArg = Annotated[
    str, typer.Argument(metavar="STATION", help="The station's id (24 hex characters) or its identity")
]
Wait = Annotated[bool, typer.Option("--wait/--no-wait", help="Follow the request until it ends")]
Timeout = Annotated[float, typer.Option(min=0, help="How many seconds to follow it at most")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the API's JSON instead")]
Reason = Annotated[str | None, typer.Option(help="Why: kept in the audit trail")]

SHORT_TYPES = {
    ActionType.UPDATE_CONFIGURATION: "update",
    ActionType.GET_CONFIGURATION: "read",
    ActionType.RESET: "reset",
}


class ResetType(StrEnum):
    HARD = "Hard"
    SOFT = "Soft"
    IMMEDIATE = "Immediate"
    ON_IDLE = "OnIdle"


@contextmanager
def api_session(url: str, key: str | None) -> Iterator[ApiClient]:
    """A client of the API at `url`; any refusal or connection problem is one line and exit 1."""
    if not key:
        raise fail("no API key: pass --api-key or set SWITCHYARD_API_KEY (`switchyard apikey create` makes one)")
    try:
        with ApiClient(url, key) as client:
            yield client
    except ApiError as exc:
        raise fail(exc.message) from None


def _echo_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False))


def _action_data(action: dict[str, Any]) -> str:
    data = action.get("data") or {}
    if action.get("type") == "chargestation.update_configuration":
        return f"{data.get('key')}={data.get('value')}"
    return " ".join(f"{name}={value}" for name, value in data.items())


def _action_subject(action: dict[str, Any]) -> str:
    kind = SHORT_TYPES.get(action.get("type", ""))
    if kind == "read":
        return "configuration read"
    if kind == "reset":
        return f"reset {(action.get('data') or {}).get('type', '')}".rstrip()
    return _action_data(action) if kind == "update" else str(action.get("type"))


def _action_state(action: dict[str, Any]) -> str:
    status, phase = action["status"], action.get("phase")
    if status == "requested" and phase:
        return f"requested, {phase}"
    if status == "completed" and phase == "awaiting_reboot":
        return "completed, awaiting reboot"
    return str(status)


def _action_note(action: dict[str, Any]) -> str:
    """Why an action stands where it does: the failure's reason, the station's refusal, what it waits for."""
    response = action.get("response_data") or {}
    if action["status"] == "failed":
        return str(response.get("reason") or "no reason given")
    if action["status"] == "rejected":
        info = response.get("statusInfo") or {}
        detail = " ".join(str(info[k]) for k in ("reasonCode", "additionalInfo") if info.get(k))
        return f"the station answered {response.get('status', 'Rejected')}" + (f" ({detail})" if detail else "")
    return str(action.get("waitingFor") or "")


def _describe(action: dict[str, Any]) -> str:
    note = _action_note(action)
    return f"{_action_subject(action)}: {_action_state(action)}{': ' + note if note else ''} (action {action['_id']})"


def _follow(client: ApiClient, actions: list[dict[str, Any]], timeout: float) -> list[dict[str, Any]]:
    """Follow `actions` until each has ended, showing their progress on stderr; their final states."""
    ids = " ".join(a["_id"] for a in actions if a["status"] not in TERMINAL)
    live = Live(console=err, transient=True, refresh_per_second=12) if err.is_terminal else None
    shown: dict[str, str] = {}

    def progress(current: list[dict[str, Any]]) -> None:
        if live is not None:
            lines = [
                Text(_describe(a)) if a["status"] in TERMINAL else Spinner("dots", Text(_describe(a))) for a in current
            ]
            live.update(Group(*lines))
            return
        for action in current:  # for logs: one line per change of an action still under way
            line = _describe(action)
            if action["status"] not in TERMINAL and shown.get(action["_id"]) != line:
                shown[action["_id"]] = line
                err.print(Text(line), soft_wrap=True, highlight=False)

    try:
        if live is None:
            return client.follow(actions, timeout, progress)
        with live:
            return client.follow(actions, timeout, progress)
    except StillRunning as still:
        for action in still.actions:
            say(_describe(action))
        raise fail(f"still under way after {still.timeout:g} s; `switchyard actions wait {ids}` follows on") from None
    except KeyboardInterrupt:
        raise fail(f"stopped following; Switchyard goes on (`switchyard actions wait {ids}`)") from None


def _report(client: ApiClient, actions: list[dict[str, Any]], wait: bool, timeout: float) -> None:
    """Each action's line, after following them if `wait`; exit 1 if one did not complete."""
    if wait:
        actions = _follow(client, actions, timeout)
    for action in actions:
        say(_describe(action))
    missed = [a for a in actions if a["status"] in TERMINAL and a["status"] != "completed"]
    if missed:
        raise fail("it did not complete" if len(actions) == 1 else f"{len(missed)} of {len(actions)} did not complete")


def _print_details(details: list[dict[str, Any]]) -> None:
    def yes(value: Any) -> str:
        return "yes" if value else "no"

    rows = [
        [
            str(d.get("name", "")),
            str(d.get("value", "")),
            str(d.get("desiredValue", "")),
            yes(d.get("writable")),
            yes(d.get("editable")),
            str(d.get("category", "")),
        ]
        for d in details
    ]
    print_table(["name", "value", "desired", "writable", "editable", "category"], rows)


@config_app.command("get")
def config_get(
    station: StationArg,
    wait: Wait = True,
    timeout: Timeout = 120.0,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
) -> None:
    """Ask the station for its whole configuration; then show it."""
    with api_session(api_url, api_key) as client:
        station_id = client.station_id(station)
        action = client.get(f"/v1.1/chargestations/{station_id}/configurations", view="full")
        if not wait:
            say(_describe(action))
            return
        (done,) = _follow(client, [action], timeout)
        if done["status"] != "completed":
            raise fail(f"the configuration read {done['status']}: {_action_note(done)} (action {done['_id']})")
        _print_details(client.get(f"/v1.1/chargestations/{station_id}/configurations/details"))


@config_app.command("details")
def config_details(
    station: StationArg, as_json: AsJson = False, api_url: ApiUrl = DEFAULT_API_URL, api_key: ApiKey = None
) -> None:
    """The configuration the station last reported, each key explained."""
    with api_session(api_url, api_key) as client:
        details = client.get(f"/v1.1/chargestations/{client.station_id(station)}/configurations/details")
    if as_json:
        _echo_json(details)
    else:
        _print_details(details)


def _pairs(pairs: list[str]) -> list[tuple[str, str]]:
    split = []
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key:
            raise fail(f"{pair!r} is not KEY=VALUE")
        split.append((key, value))
    return split


@config_app.command("set")
def config_set(
    station: StationArg,
    pairs: Annotated[list[str], typer.Argument(metavar="KEY=VALUE...", help="Changes, sent in this order")],
    reason: Reason = None,
    wait: Wait = True,
    timeout: Timeout = 120.0,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
) -> None:
    """Change settings, one at a time and each read back; several are queued in order, all or none."""
    changes = [{"key": key, "value": value} | ({"reason": reason} if reason else {}) for key, value in _pairs(pairs)]
    with api_session(api_url, api_key) as client:
        path = f"/v1.1/chargestations/{client.station_id(station)}/configurations"
        created = client.post(path, changes if len(changes) > 1 else changes[0], view="full")
        _report(client, created if isinstance(created, list) else [created], wait, timeout)


@config_app.command("reset")
def config_reset(
    station: StationArg,
    kind: Annotated[ResetType, typer.Option("--type", help="Hard, Soft (1.6); Immediate, OnIdle (2.0.1)")],
    force: Annotated[bool, typer.Option(help="Even while a transaction runs (it will be stopped)")] = False,
    reason: Reason = None,
    wait: Wait = True,
    timeout: Timeout = 120.0,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
) -> None:
    """Reset the station."""
    body: dict[str, Any] = {"type": kind.value, "force": force} | ({"reason": reason} if reason else {})
    with api_session(api_url, api_key) as client:
        action = client.post(f"/v1.1/chargestations/{client.station_id(station)}/reset", body, view="full")
        _report(client, [action], wait, timeout)


@actions_app.command("list")
def actions_list(
    station: StationArg,
    status: Annotated[Status | None, typer.Option(help="Only these")] = None,
    kind: Annotated[
        str | None,
        typer.Option("--type", help="update, read, reset, or the full names (chargestation.update_configuration)"),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="The newest this many")] = 50,
    as_json: AsJson = False,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
) -> None:
    """A station's actions, newest first."""
    full_names = {short: name for name, short in SHORT_TYPES.items()}
    if kind is not None and kind not in SHORT_TYPES:
        if kind not in full_names:
            raise fail(f"--type must be one of {', '.join([*full_names, *SHORT_TYPES])}; got {kind!r}")
        kind = full_names[kind]
    params: dict[str, str | int] = {"view": "full", "limit": limit}
    params |= {"status": status.value} if status else {}
    params |= {"type": kind} if kind else {}
    with api_session(api_url, api_key) as client:
        actions = client.get(f"/v1.1/chargestations/{client.station_id(station)}/actions", **params)
    if as_json:
        _echo_json(actions)
        return
    rows = [
        [
            a["_id"],
            SHORT_TYPES.get(a["type"], a["type"]),
            a["status"],
            str(a.get("phase") or ""),
            _action_data(a),
            str(a.get("createdAt", "")),
            _action_note(a),
        ]
        for a in actions
    ]
    print_table(["id", "type", "status", "phase", "data", "created", "reason / waiting for"], rows)


@actions_app.command("show")
def actions_show(
    action_id: Annotated[str, typer.Argument(metavar="ACTION_ID", help="The action's id")],
    as_json: AsJson = False,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
) -> None:
    """One action: what was asked, by whom and why, and what the station answered."""
    with api_session(api_url, api_key) as client:
        action = client.action(action_id)
    if as_json:
        _echo_json(action)
        return
    rows = [
        [name, _text(action.get(name))] for name in ("_id", "type", "status", "phase", "waitingFor", "chargestation")
    ]
    rows += [[f"data.{name}", _text(value)] for name, value in (action.get("data") or {}).items()]
    rows += [[name, _text(action.get(name))] for name in ("createdAt", "updatedAt", "expiresAt")]
    rows += [[f"audit.{name}", _text(value)] for name, value in (action.get("audit") or {}).items()]
    rows += [[f"response_data.{name}", _text(value)] for name, value in (action.get("response_data") or {}).items()]
    print_table(["field", "value"], rows, show_header=False)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


@actions_app.command("wait")
def actions_wait(
    action_ids: Annotated[list[str], typer.Argument(metavar="ACTION_ID...", help="The actions' ids")],
    timeout: Timeout = 120.0,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
) -> None:
    """Follow actions until they end; exit 1 if one did not complete."""
    with api_session(api_url, api_key) as client:
        _report(client, [client.action(action_id) for action_id in action_ids], True, timeout)
