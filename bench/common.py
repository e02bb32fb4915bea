"""Helpers shared by the driver, the servers and the load client."""

import hashlib
import json
import resource
import socket
from collections.abc import Callable
from pathlib import Path

HOST = "127.0.0.1"
PATH_PREFIX = "/ocpp"
SUBPROTOCOL = "ocpp1.6"
READY = "BENCH-READY"


def raise_nofile_limit() -> tuple[int, int]:
    """Raise the soft open-files limit to the hard limit; returns (soft, hard) after the change."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def identity(index: int) -> str:
    return f"BENCH{index:06d}"


Secret = Callable[[str], str]


def password(station: str) -> str:
    """A chosen 1.6 AuthorizationKey (20 bytes as 40 hex digits), derived from the identity so the client knows it."""
    return hashlib.sha1(station.encode(), usedforsecurity=False).hexdigest()


def passwords(path: str | None) -> Secret:
    """Each station's password: from a file `bench.provision` wrote (generated ones), else `password`."""
    if not path:
        return password
    known = dict(line.split(" ", 1) for line in Path(path).read_text().splitlines() if line)
    return known.__getitem__


def refusal(payload: bytes) -> bytes | None:
    """The CALLERROR a station without the feature answers a call from the central system with (Switchyard
    reads each station's configuration after its boot); None when `payload` is not a call."""
    if not payload.startswith(b"[2"):
        return None
    return json.dumps([4, json.loads(payload)[1], "NotSupported", "", {}]).encode()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])
