"""`switchyard migrate`: the CLI against a real Switchyard API on loopback (the served node of
test_config_cli), and the display it shows, as a pure function of the migration JSON."""

from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from switchyard.cli.migration_view import summary_lines, waves
from tests.cli.test_config_cli import Cli, Served, rows
from tests.support import PASSWORD_16


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("served-migrate")
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


@pytest.fixture
def cli(served: Served) -> Cli:
    return Cli(served)


def offline_station(served: Served, identity: str) -> str:
    """A registered station that never connects: preflight refuses it ("offline")."""
    return str(served.run(served.node.add_station(identity, "1.6", 1, PASSWORD_16))["_id"])


TARGET = ["--target-url", "ws://127.0.0.1:9/ocpp", "--confirm", "external"]


def test_plan_shows_each_stations_verdict(served: Served, cli: Cli) -> None:
    served.booted("MIG-CLI-ON")
    offline_station(served, "MIG-CLI-OFF")
    out, err = cli("migrate", "plan", *TARGET, "--station", "MIG-CLI-ON", "--station", "MIG-CLI-OFF")
    table = {row[0]: row[1:] for row in rows(out)[1:]}
    assert table["MIG-CLI-ON"] == ["pending", "would write slot 2"]
    assert table["MIG-CLI-OFF"] == ["preflight_failed", "the station is offline"]
    assert "1 of 2 stations would move; nothing was sent" in err
    received = served.actions(served.run(_station_id(served, "MIG-CLI-ON")))
    assert received == [] or all(a["type"] == "chargestation.get_configuration" for a in received)


async def _station_id(served: Served, identity: str) -> str:
    listed = await served.node.api.get(
        "/v1.1/chargestations", params={"identity": identity}, headers=served.node.auth()
    )
    return str(listed.json()["result"][0]["_id"])


def test_start_without_watching_prints_the_id_and_status_shows_the_failures(served: Served, cli: Cli) -> None:
    offline_station(served, "MIG-CLI-S1")
    out, _ = cli("migrate", "start", *TARGET, "--station", "MIG-CLI-S1", "--no-watch")
    job_id = out.strip()
    assert len(job_id) == 24
    status, _ = cli("migrate", "status", job_id)
    assert status.splitlines()[0] == f"migration {job_id} to ws://127.0.0.1:9/ocpp: completed"
    assert "preflight_failed 1" in status
    assert "MIG-CLI-S1 preflight_failed: the station is offline" in status


def test_start_watches_until_the_job_ends(served: Served, cli: Cli) -> None:
    offline_station(served, "MIG-CLI-W1")
    out, _ = cli("migrate", "start", *TARGET, "--station", "MIG-CLI-W1", "--interval", "0.1")
    assert ": completed" in out.splitlines()[0]
    assert "canary: 1/1" in out


def test_acting_on_a_job_or_station_that_cannot_says_why(served: Served, cli: Cli) -> None:
    offline_station(served, "MIG-CLI-A1")
    job_id = cli("migrate", "start", *TARGET, "--station", "MIG-CLI-A1", "--no-watch")[0].strip()
    assert cli.fails("migrate", "pause", job_id) == "only a running job can be paused; this one is completed"
    assert cli.fails("migrate", "retry", job_id, "MIG-CLI-A1") == (
        "the station cannot be retried now: the station is offline"
    )
    assert cli.fails("migrate", "rollback", job_id, "MIG-CLI-A1") == (
        "a preflight_failed station has nothing to roll back"
    )
    assert cli.fails("migrate", "status", "0" * 24) == f"migration {'0' * 24} not found"


def test_bad_arguments_are_one_line_errors(cli: Cli) -> None:
    assert cli.fails("migrate", "plan", "--target-url", "ws://x/ocpp", "--station", "A", "--confirm", "peer") == (
        "--confirm peer needs --peer-api-url and --peer-api-key (or SWITCHYARD_PEER_API_KEY)"
    )
    assert cli.fails("migrate", "plan", *TARGET).startswith("which stations?")
    assert cli.fails("migrate", "plan", *TARGET, "--station", "A", "--site", "S").startswith("give stations one way")


JOB: dict[str, Any] = {
    "_id": "a" * 24,
    "status": "stopped",
    "reason": "2 failures, over the budget of 1 (10%)",
    "targetUrl": "wss://csms-2.example.com/ocpp",
    "waves": {"canary": 1, "size": 2, "concurrency": 2, "maxFailureRate": 0.1},
    "counts": {"confirmed": 2, "fell_back": 1, "failed": 1, "pending": 1},
    "stations": [
        {"identity": "CP-1", "state": "confirmed", "reason": None},
        {"identity": "CP-2", "state": "confirmed", "reason": None},
        {"identity": "CP-3", "state": "fell_back", "reason": "slot 2 is first but failed 3 attempts"},
        {"identity": "CP-4", "state": "failed", "reason": "the station refused the reset"},
        {"identity": "CP-5", "state": "pending", "reason": None},
    ],
}


def test_the_display_shows_waves_counts_and_failures() -> None:
    assert waves(JOB) == [("canary", 1, 1), ("wave 1", 2, 2), ("wave 2", 1, 2)]
    assert summary_lines(JOB) == [
        f"migration {'a' * 24} to wss://csms-2.example.com/ocpp: stopped (2 failures, over the budget of 1 (10%))",
        "  confirmed 2, failed 1, fell_back 1, pending 1",
        "  canary: 1/1",
        "  wave 1: 2/2",
        "  wave 2: 1/2",
        "  CP-3 fell_back: slot 2 is first but failed 3 attempts",
        "  CP-4 failed: the station refused the reset",
    ]
