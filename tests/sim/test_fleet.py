"""Many stations in one process, and `switchyard sim` as a command."""

import asyncio
import signal
import sys
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from switchyard.api.app import create_app
from switchyard.cli import sim_command
from switchyard.cli.app import app
from switchyard.errors import InvalidInput
from switchyard.sim.fleet import SimulatedFleet, fleet_specs, identities
from switchyard.sim.passwords import derived_password, passwords_from_file
from switchyard.sim.register import register_stations
from switchyard.sim.spec import StationSpec
from tests.cli.test_serve import environment, serving
from tests.sim.support import profile_for
from tests.support import RunningNode


def test_identity_patterns_and_derived_passwords() -> None:
    assert identities("SIM-{n:05}", 3) == ["SIM-00001", "SIM-00002", "SIM-00003"]
    key = derived_password("seed", "SIM-00001", "1.6")
    assert len(key) == 40
    assert int(key, 16) >= 0
    assert derived_password("seed", "SIM-00001", "1.6") == key
    assert derived_password("other", "SIM-00001", "1.6") != key
    assert 16 <= len(derived_password("seed", "SIM-00001", "2.0.1")) <= 40


def test_passwords_from_a_file(tmp_path: Path) -> None:
    csv = tmp_path / "passwords.csv"
    csv.write_text("# identity,password\nSIM-1, 0123456789abcdef0123456789abcdef\n\nSIM-2,sixteen-chars-ok\n")
    assert passwords_from_file(csv) == {"SIM-1": "0123456789abcdef0123456789abcdef", "SIM-2": "sixteen-chars-ok"}
    bad = tmp_path / "bad.csv"
    bad.write_text("SIM-1\n")
    with pytest.raises(InvalidInput, match=r"bad\.csv:1: expected identity,password"):
        passwords_from_file(bad)


def test_a_passwords_file_that_cannot_be_read_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"missing\.csv: cannot read the passwords file \(FileNotFoundError\)"):
        passwords_from_file(tmp_path / "missing.csv")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InvalidInput, match=r"binary\.csv: cannot read the passwords file \(UnicodeDecodeError\)"):
        passwords_from_file(binary)
    broken = tmp_path / "broken.json"
    broken.write_text('{"SIM-1": ')
    with pytest.raises(InvalidInput, match=r"broken\.json: not JSON \(Expecting value, line 1\)"):
        passwords_from_file(broken)


def test_a_mixed_fleet_takes_the_versions_in_turn_with_one_reboot_delay() -> None:
    profiles = [profile_for("1.6"), profile_for("2.0.1")]
    specs = fleet_specs(1000, "ws://x/ocpp", profiles, reboot_seconds=30.0)
    assert [s.ocpp for s in specs[:4]] == ["1.6", "2.0.1", "1.6", "2.0.1"]
    assert sum(s.ocpp == "2.0.1" for s in specs) == 500
    assert {s.reboot_seconds for s in specs} == {30.0}
    # Each station's password is derived for its own version (a 1.6 AuthorizationKey is 40 hex digits).
    assert specs[0].password == derived_password("switchyard", specs[0].identity, "1.6")
    assert specs[1].password == derived_password("switchyard", specs[1].identity, "2.0.1")


def test_the_sim_command_builds_a_mixed_fleet_with_a_reboot_delay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[StationSpec] = []
    monkeypatch.setattr(sim_command, "_run_fleet", lambda specs, *_: built.extend(specs))
    options = ["--stations", "4", "--ocpp", "1.6,2.0.1", "--profile", "vendor-b-16", "--reboot-seconds", "7.5"]
    result = CliRunner().invoke(app, ["sim", *options, "--state-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert [(s.ocpp, s.profile.name) for s in built[:2]] == [("1.6", "vendor-b-16"), ("2.0.1", "reference-201")]
    assert [s.ocpp for s in built] == ["1.6", "2.0.1", "1.6", "2.0.1"]
    assert {s.reboot_seconds for s in built} == {7.5}


def test_the_sim_command_refuses_a_version_mix_it_cannot_build(tmp_path: Path) -> None:
    for arguments, message in (
        (["--ocpp", "1.6,3.0"], "--ocpp must be 1.6 or 2.0.1 (or both: 1.6,2.0.1), not '1.6,3.0'"),
        (["--ocpp", "1.6", "--profile", "reference-201"], "profile reference-201 is for OCPP 2.0.1, not 1.6"),
        (
            ["--ocpp", "1.6,2.0.1", "--profile", "vendor-b-16", "--profile", "edrv-reference-16"],
            "two profiles for OCPP 1.6: vendor-b-16 and edrv-reference-16",
        ),
    ):
        result = CliRunner().invoke(app, ["sim", *arguments, "--state-dir", str(tmp_path)])
        assert result.exit_code == 1, arguments
        assert result.output.strip() == f"error: {message}"
    negative = CliRunner().invoke(app, ["sim", "--reboot-seconds", "-1", "--state-dir", str(tmp_path)])
    assert negative.exit_code == 2, "a usage error, as for any option out of its range"


async def test_a_fleet_registers_through_the_api_and_boots(node: RunningNode) -> None:
    specs = fleet_specs(30, node.ws_url, profile_for("1.6"), pattern="FLT-{n:03}", reboot_seconds=0.1, backoff_min=0.05)
    transport = httpx.ASGITransport(app=create_app(node.sy))
    outcome = await register_stations("http://switchyard.test", node.admin_key, specs, transport=transport)
    assert (outcome.created, outcome.failed) == (30, [])
    async with SimulatedFleet(specs, connect_concurrency=8) as fleet:
        await fleet.wait_booted(timeout=20)
        summary = fleet.summary()
        assert (summary.stations, summary.booted, summary.accepted) == (30, 30, 30)
        assert fleet["FLT-007"].boot_status == "Accepted"
    # registering the same fleet again updates instead of failing
    again = await register_stations("http://switchyard.test", node.admin_key, specs[:3], transport=transport)
    assert (again.created, again.updated, again.failed) == (0, 3, [])


@pytest.mark.slow
async def test_the_sim_command_registers_runs_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    env = environment(tmp_path)
    async with serving(tmp_path, env) as served:
        ocpp_url = f"ws://127.0.0.1:{env['SWITCHYARD_OCPP_PORT']}/ocpp"
        command = [
            str(Path(sys.executable).with_name("switchyard")),
            "sim",
            "--stations", "5",
            "--ocpp", "1.6,2.0.1",
            "--reboot-seconds", "0.5",
            "--identity", "CLI-{n}",
            "--url", ocpp_url,
            "--state-dir", str(tmp_path / "state"),
            "--register",
            "--api-url", served.api,
            "--api-key", str(served.key),
        ]  # fmt: skip
        process = await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        async with httpx.AsyncClient(base_url=served.api, timeout=10) as client:
            headers = {"Authorization": f"Bearer {served.key}"}
            async with asyncio.timeout(30):
                while True:
                    listed = (await client.get("/v1.1/chargestations", headers=headers)).json()["result"]
                    if len(listed) == 5 and all(s["live"]["lastBootStatus"] == "Accepted" for s in listed):
                        break
                    await asyncio.sleep(0.2)
        assert sorted(s["ocppVersion"] for s in listed) == ["1.6", "1.6", "1.6", "2.0.1", "2.0.1"]
        process.send_signal(signal.SIGINT)
        stdout, stderr = await asyncio.wait_for(process.communicate(), 15)
        assert process.returncode == 0, stderr.decode()
        assert "5 created" in stdout.decode()
        assert "stopped: 5 of 5 stations had booted" in stdout.decode()
        assert "Traceback" not in stderr.decode()
        # One file per station, beside the lock a running simulator holds on the folder.
        assert sorted(p.name for p in (tmp_path / "state").iterdir()) == [".lock"] + [
            f"CLI-{n}.json" for n in range(1, 6)
        ]


@pytest.mark.slow
async def test_the_sim_command_refuses_bad_options(tmp_path: Path) -> None:
    script = str(Path(sys.executable).with_name("switchyard"))
    for arguments, message in (
        (["--ocpp", "3.0"], "--ocpp must be 1.6 or 2.0.1"),
        (["--profile", "nope"], "no profile 'nope'"),
        (["--ocpp", "2.0.1", "--profile", "edrv-reference-16"], "is for OCPP 1.6"),
        (["--faults", "teleport=1"], "unknown fault"),
        (["--register"], "--register needs --api-key"),
    ):
        process = await asyncio.create_subprocess_exec(
            script, "sim", *arguments, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env={"PATH": "/usr/bin", "HOME": str(tmp_path)},
        )  # fmt: skip
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 1, arguments
        assert message in stderr.decode(), (arguments, stderr.decode())
