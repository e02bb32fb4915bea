"""Where `switchyard sim` keeps its stations' state: never the current directory.

Regression: `switchyard sim` wrote `sim-state/` into whatever directory it was started from. The state
now goes to the user's state directory (`$XDG_STATE_HOME`, else `~/.local/state`), one folder per
fleet, held by one simulator at a time; `--state-dir` still puts it anywhere.
"""

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import switchyard
from switchyard.sim.profile import load_profile
from switchyard.sim.state_dir import LOCK_FILE, StateDirInUse, claimed, default_state_dir, user_state_home

SCRIPT = Path(sys.executable).with_name("switchyard")
# The code under test, for the subprocess too (a relative PYTHONPATH would not survive another cwd).
SOURCE = Path(switchyard.__file__).resolve().parents[1]
PROFILE = load_profile("edrv-reference-16")
PATTERN = "SIM-{n:05}"


def closed_port() -> int:
    """A port nobody listens on: the stations try to connect, back off, and write their state all the same."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("XDG_STATE_HOME", "HOME")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SOURCE), env.get("PYTHONPATH")]))
    env["HOME"] = str(tmp_path / "home")
    env.update(values)
    return env


def run_sim(cwd: Path, env: dict[str, str], url: str, *options: str) -> subprocess.CompletedProcess[str]:
    cwd.mkdir(parents=True, exist_ok=True)
    command = [str(SCRIPT), "sim", "--stations", "3", "--duration", "0.5", "--url", url, *options]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False)


def station_files(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir() if path.name != LOCK_FILE)


# -- where --------------------------------------------------------------------------------------------


def test_the_user_state_home_follows_xdg_then_home(tmp_path: Path) -> None:
    assert user_state_home({"XDG_STATE_HOME": str(tmp_path / "xdg"), "HOME": "/h"}) == tmp_path / "xdg"
    assert user_state_home({"HOME": "/h"}) == Path("/h/.local/state")
    # The XDG Base Directory spec: a relative path is invalid and ignored.
    assert user_state_home({"XDG_STATE_HOME": "relative/state", "HOME": "/h"}) == Path("/h/.local/state")


def test_each_fleet_has_its_own_folder_and_the_same_fleet_always_the_same() -> None:
    env = {"HOME": "/h"}
    url = "ws://127.0.0.1:9000/ocpp"
    folder = default_state_dir(url, PROFILE, PATTERN, env)
    assert folder.parent == Path("/h/.local/state/switchyard/sim")
    assert folder.name.startswith("edrv-reference-16-")
    assert default_state_dir(url + "/", PROFILE, PATTERN, env) == folder
    others = {
        default_state_dir("ws://127.0.0.1:9001/ocpp", PROFILE, PATTERN, env),
        default_state_dir(url, load_profile("vendor-b-16"), PATTERN, env),
        default_state_dir(url, load_profile("reference-201"), PATTERN, env),
        default_state_dir(url, PROFILE, "DEPOT-{n}", env),
        default_state_dir(url, [PROFILE, load_profile("reference-201")], PATTERN, env),
    }
    assert folder not in others
    assert len(others) == 5
    assert default_state_dir(url, [PROFILE], PATTERN, env) == folder, "a one-version fleet keeps its folder"
    mixed = default_state_dir(url, [PROFILE, load_profile("reference-201")], PATTERN, env)
    assert mixed.name.startswith("edrv-reference-16+reference-201-")


def test_one_simulator_per_folder(tmp_path: Path) -> None:
    folder = tmp_path / "fleet"
    with claimed(folder):
        assert (folder / LOCK_FILE).read_text() == str(os.getpid())
        in_use = rf"in use by another switchyard sim \(pid {os.getpid()}\)"
        with pytest.raises(StateDirInUse, match=in_use), claimed(folder):
            pass
        with claimed(tmp_path / "another fleet"):
            pass
    with claimed(folder):  # released on exit
        pass
    assert folder.stat().st_mode & 0o777 == 0o700


# -- the command ----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_sim_command_writes_nothing_into_the_current_directory(tmp_path: Path) -> None:
    url = f"ws://127.0.0.1:{closed_port()}/ocpp"
    env = environment(tmp_path)
    cwd = tmp_path / "cwd"
    done = run_sim(cwd, env, url)
    assert done.returncode == 0, done.stderr
    assert list(cwd.iterdir()) == []
    folder = default_state_dir(url, PROFILE, PATTERN, env)
    assert folder.parent == tmp_path / "home" / ".local" / "state" / "switchyard" / "sim"
    assert station_files(folder) == ["SIM-00001.json", "SIM-00002.json", "SIM-00003.json"]
    assert f"station state: {folder}\n" in done.stdout
    # Started again (from elsewhere): the same folder, so the stations come back with what they held.
    again = run_sim(tmp_path / "elsewhere", env, url)
    assert again.returncode == 0, again.stderr
    assert f"station state: {folder}\n" in again.stdout
    assert [path.name for path in folder.parent.iterdir()] == [folder.name]


@pytest.mark.slow
def test_the_sim_command_honours_xdg_state_home_and_state_dir(tmp_path: Path) -> None:
    url = f"ws://127.0.0.1:{closed_port()}/ocpp"
    env = environment(tmp_path, XDG_STATE_HOME=str(tmp_path / "xdg"))
    done = run_sim(tmp_path / "cwd", env, url, "--ocpp", "2.0.1")
    assert done.returncode == 0, done.stderr
    folder = default_state_dir(url, load_profile("reference-201"), PATTERN, env)
    assert folder.parent == tmp_path / "xdg" / "switchyard" / "sim"
    assert station_files(folder) == ["SIM-00001.json", "SIM-00002.json", "SIM-00003.json"]
    assert not (tmp_path / "home").exists()

    given = run_sim(tmp_path / "cwd", env, url, "--state-dir", "mine")
    assert given.returncode == 0, given.stderr
    assert station_files(tmp_path / "cwd" / "mine") == ["SIM-00001.json", "SIM-00002.json", "SIM-00003.json"]


@pytest.mark.slow
def test_a_second_simulator_on_the_same_folder_is_refused(tmp_path: Path) -> None:
    url = f"ws://127.0.0.1:{closed_port()}/ocpp"
    env = environment(tmp_path)
    folder = default_state_dir(url, PROFILE, PATTERN, env)
    with claimed(folder):
        refused = run_sim(tmp_path / "cwd", env, url)
    assert refused.returncode == 1
    assert refused.stdout == ""
    assert refused.stderr == (
        f"error: the state directory {folder} is in use by another switchyard sim (pid {os.getpid()}); "
        "give this one its own --state-dir\n"
    )
    assert station_files(folder) == []


@pytest.mark.slow
def test_a_simulator_killed_with_sigkill_leaves_no_stale_lock(tmp_path: Path) -> None:
    url = f"ws://127.0.0.1:{closed_port()}/ocpp"
    env = environment(tmp_path)
    command = [str(SCRIPT), "sim", "--stations", "2", "--url", url]
    with subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True) as running:
        assert running.stdout is not None
        assert running.stdout.readline().startswith("station state: ")
        running.send_signal(signal.SIGKILL)
        assert running.wait(timeout=10) == -signal.SIGKILL
    done = run_sim(tmp_path / "cwd", env, url, "--stations", "2")
    assert done.returncode == 0, done.stderr
