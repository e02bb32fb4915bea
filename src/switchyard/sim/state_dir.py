"""Where `switchyard sim` keeps its stations' state, and one simulator per state directory.

By default a fleet's state lives in the user's state directory (`$XDG_STATE_HOME`, else
`~/.local/state`), under `switchyard/sim/`, in a folder of its own: named after the firmware
profile (a mixed fleet's profiles, joined by `+`) plus a digest of what makes the fleet (OCPP
version, profile, CSMS URL, identity pattern).
Run the same command again and the stations come back with what they held; run another fleet at the
same time and it gets another folder.

A running simulator holds an exclusive lock on its folder, released when it exits (even by kill -9):
a second simulator on the same folder would overwrite the first one's files, and would be the same
stations connecting twice, so it is refused.
"""

import fcntl
import hashlib
import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from switchyard.sim.profile import FirmwareProfile

LOCK_FILE = ".lock"  # station files always end in .json (or .tmp while written): no identity collides


class StateDirInUse(Exception):
    """Another simulator holds the state directory."""


def user_state_home(environ: Mapping[str, str] = os.environ) -> Path:
    """`$XDG_STATE_HOME` when set to an absolute path (XDG Base Directory), else `~/.local/state`."""
    configured = environ.get("XDG_STATE_HOME", "")
    if os.path.isabs(configured):
        return Path(configured)
    home = environ.get("HOME") or str(Path.home())
    return Path(home) / ".local" / "state"


def default_state_dir(
    url: str,
    profile: FirmwareProfile | Sequence[FirmwareProfile],
    identity_pattern: str,
    environ: Mapping[str, str] = os.environ,
) -> Path:
    """The folder of this fleet under the user's state directory (the same for the same fleet).

    A mixed fleet's folder is named after all its profiles, joined by `+`.
    """
    profiles = [profile] if isinstance(profile, FirmwareProfile) else list(profile)
    # One profile keeps the digest it always had, so a single-version fleet finds its earlier state.
    made_of: list[object] = (
        [profiles[0].ocpp, profiles[0].name] if len(profiles) == 1 else [[p.ocpp, p.name] for p in profiles]
    )
    fleet = json.dumps([*made_of, url.rstrip("/"), identity_pattern])
    digest = hashlib.sha256(fleet.encode()).hexdigest()[:12]
    readable = "+".join(_readable(p.name) for p in profiles)
    return user_state_home(environ) / "switchyard" / "sim" / f"{readable}-{digest}"


def _readable(profile_name: str) -> str:
    name = profile_name.rsplit("/", 1)[-1].removesuffix(".yaml").removesuffix(".yml")
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "profile"


@contextmanager
def claimed(directory: Path) -> Iterator[Path]:
    """Create `directory` if needed and hold it for this process; StateDirInUse if another one does."""
    # Station files hold passwords (simulated ones, but passwords): for this user only.
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    # "a+": opening must not empty the file another simulator wrote its pid into.
    with (directory / LOCK_FILE).open("a+", encoding="utf-8") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip()
            by = f"another switchyard sim (pid {holder})" if holder.isdigit() else "another switchyard sim"
            raise StateDirInUse(
                f"the state directory {directory} is in use by {by}; give this one its own --state-dir"
            ) from None
        lock.seek(0)
        lock.truncate()
        lock.write(str(os.getpid()))
        lock.flush()
        yield directory
