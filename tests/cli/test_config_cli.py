"""`switchyard config` and `switchyard actions`: the CLI against a real Switchyard API on loopback.

One node serves the whole module: its app runs under uvicorn on 127.0.0.1 (a port the kernel picks)
in an event loop on a background thread, with the simulated stations in that same loop. The CLI
runs in the test's thread and reaches it over real HTTP, as it reaches `switchyard serve`.
"""

import asyncio
import contextlib
import json
import socket
import threading
from collections.abc import AsyncIterator, Coroutine, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, TypeVar

import pytest
import structlog
import uvicorn
import uvloop
from typer.testing import CliRunner

from switchyard.api.app import create_app
from switchyard.cli.app import app
from switchyard.sim.faults import parse_faults
from tests.configuration.support import SETTINGS, actions_of, baseline, read_station, wait_action
from tests.sim.support import booted_station, station_id
from tests.support import RunningNode, running_node

T = TypeVar("T")
RESULT_WAIT = 30.0  # seconds the test thread waits for anything it asks of the server's loop


class Served:
    """A node and its API on a real port, in an event loop of its own on a background thread."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.loop = uvloop.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="switchyard-api", daemon=True)
        self.stack = AsyncExitStack()
        self.node: RunningNode
        self.url = ""

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(RESULT_WAIT)

    def start(self) -> None:
        self.thread.start()
        self.run(self._start())

    def stop(self) -> None:
        try:
            self.run(self.stack.aclose())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(RESULT_WAIT)
            self.loop.close()

    async def _start(self) -> None:
        self.node = await self.stack.enter_async_context(running_node(self.tmp_path, **SETTINGS))
        await baseline(self.node, enabled=False)
        await self.stack.enter_async_context(self._api())

    @contextlib.asynccontextmanager
    async def _api(self) -> AsyncIterator[None]:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        config = uvicorn.Config(create_app(self.node.sy), log_config=None, access_log=False, lifespan="off")
        server = uvicorn.Server(config)
        serving = asyncio.create_task(server.serve(sockets=[listener]))
        try:
            async with asyncio.timeout(10):
                while not server.started:
                    assert not serving.done(), "uvicorn stopped before it started"
                    await asyncio.sleep(0.01)
            self.url = f"http://127.0.0.1:{listener.getsockname()[1]}"
            yield
        finally:
            server.should_exit = True
            await serving
            listener.close()

    def station(self, identity: str, **options: Any) -> str:
        """A 1.6 simulated station, registered, booted and read; its id. It runs until the module ends."""

        async def start() -> str:
            _, sid = await self.stack.enter_async_context(
                read_station(self.node, identity, tmp_path=self.tmp_path, **options)
            )
            return sid

        return self.run(start())

    def booted(self, identity: str, **options: Any) -> str:
        """A booted simulated station whose configuration read need not succeed; its id."""

        async def start() -> str:
            await self.stack.enter_async_context(booted_station(self.node, identity, tmp_path=self.tmp_path, **options))
            return await station_id(self.node, identity)

        return self.run(start())

    def actions(self, sid: str, **params: str) -> list[dict[str, Any]]:
        return self.run(actions_of(self.node, sid, **params))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("served")
    # The server's log would land in whatever stdout the CLI runner has swapped in: send it to a file.
    saved = structlog.get_config()
    with (folder / "server.log").open("w") as log:
        structlog.configure(logger_factory=structlog.PrintLoggerFactory(log))
        server = Served(folder)
        try:
            server.start()
            yield server
        finally:
            server.stop()
            structlog.configure(**saved)


class Cli:
    def __init__(self, served: Served) -> None:
        self.runner = CliRunner()
        self.env = {"SWITCHYARD_API_URL": served.url, "SWITCHYARD_API_KEY": served.node.admin_key}

    def __call__(self, *args: str, code: int = 0, env: dict[str, str | None] | None = None) -> tuple[str, str]:
        """Run `switchyard ARGS` with the served API in the environment; assert the exit code."""
        result = self.runner.invoke(app, list(args), env={**self.env, **(env or {})})
        assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr, result.exception)
        return result.stdout, result.stderr

    def fails(self, *args: str, env: dict[str, str | None] | None = None) -> str:
        """The `error: ...` line a failing command ends its stderr with."""
        _, err = self(*args, code=1, env=env)
        last = err.rstrip("\n").splitlines()[-1]
        assert last.startswith("error: "), err
        return last.removeprefix("error: ")


@pytest.fixture
def cli(served: Served) -> Cli:
    return Cli(served)


def rows(out: str) -> list[list[str]]:
    """The tab-separated lines a table is printed as when stdout is not a terminal."""
    return [line.split("\t") for line in out.splitlines()]


def test_config_get_reads_the_station_and_prints_its_details(served: Served, cli: Cli) -> None:
    sid = served.station("CLI-GET")
    out, err = cli("config", "get", "CLI-GET")
    table = rows(out)
    assert table[0] == ["name", "value", "desired", "writable", "editable", "category"]
    by_name = {row[0]: row for row in table[1:]}
    assert by_name["HeartbeatInterval"][1:4] == ["901", "", "yes"]
    assert by_name["NumberOfConnectors"][3] == "no"
    assert "Unknown" in by_name["RegisterMeterValuesIncludePhases"]  # a vendor key
    reads = served.actions(sid, type="chargestation.get_configuration", status="completed")
    assert len(reads) == 2  # the one at boot, and this one
    # What it waited for went to stderr, a line per change of state; the table alone to stdout.
    assert all(line.startswith("configuration read: requested") for line in err.splitlines()), err

    # By id as well as by identity, and as JSON.
    details, _ = cli("config", "details", sid, "--json")
    assert [d["name"] for d in json.loads(details)] == [row[0] for row in table[1:]]


def test_config_get_without_waiting_then_actions_wait(served: Served, cli: Cli) -> None:
    served.station("CLI-NOWAIT")
    out, _ = cli("config", "get", "CLI-NOWAIT", "--no-wait")
    assert out.startswith("configuration read: requested, queued (action "), out
    action_id = out.strip().removesuffix(")").rsplit(" ", 1)[-1]
    out, _ = cli("actions", "wait", action_id, "--timeout", "10")
    assert out == f"configuration read: completed (action {action_id})\n"


def test_a_failed_read_shows_the_reason_and_exits_1(served: Served, cli: Cli) -> None:
    served.booted("CLI-BROKEN", faults=parse_faults("error=GetConfiguration:InternalError"))
    message = cli.fails("config", "get", "CLI-BROKEN", "--timeout", "10")
    assert message.startswith("the configuration read failed: the station answered"), message
    assert "CALLERROR InternalError" in message


def test_config_set_waits_until_the_change_is_read_back(served: Served, cli: Cli) -> None:
    sid = served.station("CLI-SET")
    out, _ = cli("config", "set", "CLI-SET", "HeartbeatInterval=300", "--reason", "ticket 42")
    (change,) = served.actions(sid, type="chargestation.update_configuration")
    assert out == f"HeartbeatInterval=300: completed (action {change['_id']})\n"
    assert change["audit"]["reason"] == "ticket 42"
    assert change["audit"]["valueAfter"] == "300"

    shown, _ = cli("actions", "show", change["_id"])
    fields = dict(row for row in rows(shown) if len(row) == 2)
    assert fields["status"] == "completed"
    assert fields["data.key"] == "HeartbeatInterval"
    assert fields["audit.reason"] == "ticket 42"
    assert fields["audit.valueBefore"] == "901"
    assert fields["audit.valueAfter"] == "300"
    assert fields["response_data.status"] == "Accepted"
    as_json, _ = cli("actions", "show", change["_id"], "--json")
    assert json.loads(as_json) == change


def test_several_pairs_are_queued_in_order_and_all_followed(served: Served, cli: Cli) -> None:
    sid = served.station("CLI-MANY")
    out, _ = cli("config", "set", "CLI-MANY", "MeterValueSampleInterval=60", "ConnectionTimeOut=120", "Identity=a=b")
    assert [line.split(" (action ")[0] for line in out.splitlines()] == [
        "MeterValueSampleInterval=60: completed",
        "ConnectionTimeOut=120: completed",
        "Identity=a=b: completed",  # split on the first "=" only
    ]
    oldest_first = list(reversed(served.actions(sid, type="chargestation.update_configuration")))
    assert [a["data"]["key"] for a in oldest_first] == ["MeterValueSampleInterval", "ConnectionTimeOut", "Identity"]
    assert [a["data"]["value"] for a in oldest_first] == ["60", "120", "a=b"]

    listed, _ = cli("actions", "list", "CLI-MANY", "--type", "update", "--status", "completed")
    table = rows(listed)
    assert table[0] == ["id", "type", "status", "phase", "data", "created", "reason / waiting for"]
    assert [row[:5] for row in table[1:]] == [
        [a["_id"], "update", "completed", "done", f"{a['data']['key']}={a['data']['value']}"]
        for a in reversed(oldest_first)
    ]
    limited, _ = cli("actions", "list", sid, "--limit", "1", "--json")
    assert [a["_id"] for a in json.loads(limited)] == [oldest_first[-1]["_id"]]


def test_a_change_the_server_refuses_prints_its_message(served: Served, cli: Cli) -> None:
    sid = served.station("CLI-REFUSED")
    assert (
        cli.fails("config", "set", "CLI-REFUSED", "NumberOfConnectors=3")
        == "NumberOfConnectors is read-only on CLI-REFUSED"
    )
    # All or none: the second change is refused, so the first is not queued either.
    message = cli.fails("config", "set", "CLI-REFUSED", "HeartbeatInterval=60", "NumberOfConnectors=3")
    assert message == "change 2: NumberOfConnectors is read-only on CLI-REFUSED"
    assert served.actions(sid, type="chargestation.update_configuration") == []


def test_a_change_the_station_does_not_keep_fails_with_the_reason(served: Served, cli: Cli) -> None:
    served.station("CLI-STICKY", faults=parse_faults("sticky"))
    out, err = cli("config", "set", "CLI-STICKY", "HeartbeatInterval=60", code=1)
    assert out.startswith("HeartbeatInterval=60: failed: station accepted HeartbeatInterval=60 but reports 901"), out
    assert err.endswith("error: it did not complete\n"), err


def test_a_change_that_needs_a_reboot_then_a_reset(served: Served, cli: Cli) -> None:
    sid = served.station("CLI-RESET")
    out, _ = cli("config", "set", "CLI-RESET", "NetworkConfigurationPriority=NetworkConnectionProfile1")
    (change,) = served.actions(sid, type="chargestation.update_configuration")
    # Completed as far as its status goes, but the value takes effect only after a reboot: say so.
    assert out == (
        "NetworkConfigurationPriority=NetworkConnectionProfile1: completed, awaiting reboot: "
        f"the station must reboot for this value to take effect (action {change['_id']})\n"
    )

    out, _ = cli("config", "reset", "CLI-RESET", "--type", "Soft", "--reason", "apply the priority")
    (reset,) = served.actions(sid, type="chargestation.reset")
    assert out == f"reset Soft: completed (action {reset['_id']})\n"
    assert reset["data"] == {"type": "Soft"}
    assert reset["audit"]["reason"] == "apply the priority"
    confirmed = served.run(wait_action(served.node, change["_id"], phase="done"))
    assert confirmed["audit"]["valueAfter"] == "NetworkConnectionProfile1"
    listed, _ = cli("actions", "list", sid, "--type", "chargestation.update_configuration")
    assert rows(listed)[1][2:4] == ["completed", "done"]

    _, err = cli("config", "reset", "CLI-RESET", "--type", "Sideways", code=2)
    assert "Sideways" in err


def test_bad_arguments_are_one_line_errors(served: Served, cli: Cli) -> None:
    served.station("CLI-ARGS")
    assert cli.fails("config", "set", "CLI-ARGS", "HeartbeatInterval") == "'HeartbeatInterval' is not KEY=VALUE"
    assert cli.fails("config", "set", "CLI-ARGS", "=5") == "'=5' is not KEY=VALUE"
    assert cli.fails("config", "details", "NO-SUCH") == "no charge station with identity NO-SUCH"
    assert cli.fails("config", "details", "0" * 24) == "no charge station with id or identity " + "0" * 24
    assert cli.fails("actions", "show", "0" * 24) == f"action {'0' * 24} not found"
    assert cli.fails("actions", "list", "CLI-ARGS", "--type", "bogus").startswith("--type must be one of ")
    missing = cli.fails("config", "details", "CLI-ARGS", env={"SWITCHYARD_API_KEY": None})
    assert missing.startswith("no API key: pass --api-key or set SWITCHYARD_API_KEY"), missing
    assert cli.fails("config", "details", "CLI-ARGS", "--api-key", "sy_nope") == "malformed API key"
    wrong = served.node.admin_key[:-4] + ("AAAA" if not served.node.admin_key.endswith("AAAA") else "BBBB")
    assert cli.fails("actions", "list", "CLI-ARGS", "--api-key", wrong) == "invalid API key"


def test_an_unreachable_server_is_named(cli: Cli) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    message = cli.fails("config", "details", "CP-1", "--api-url", url)
    assert message == f"cannot reach Switchyard at {url}: is `switchyard serve` running?"
    assert cli.fails("config", "details", "CP-1", "--api-url", "127.0.0.1:8000").startswith(
        "the API URL must start with http:// or https://"
    )


def test_waiting_gives_up_after_the_timeout(served: Served, cli: Cli) -> None:
    """A station that is registered but not connected: the read waits for it, the CLI does not."""
    served.run(served.node.add_station("CLI-OFFLINE"))
    out, err = cli("config", "get", "CLI-OFFLINE", "--timeout", "0.5", code=1)
    assert out.startswith("configuration read: requested, queued: the station is not connected (action "), out
    assert "still under way after 0.5 s; `switchyard actions wait " in err
