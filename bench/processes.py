"""Child processes of the driver: a server under test and the load client, each bounded in time."""

import asyncio
import contextlib
import ctypes
import ctypes.util
import json
import os
import shutil
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from bench.common import READY, free_port

REPO = Path(__file__).resolve().parent.parent
SERVER_CPU = 0
CLIENT_CPU = 1


PR_SET_PDEATHSIG = 1
# Every child still running; the driver kills them if it stops early.
LIVE: set[asyncio.subprocess.Process] = set()


class BenchError(RuntimeError):
    pass


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM when the driver dies, so no server outlives a crashed run."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


async def spawn(*argv: str, settings: dict[str, str] | None = None, **options: Any) -> asyncio.subprocess.Process:
    """A child process; `settings` are SWITCHYARD_* variables a measurement sets on purpose."""
    process = await asyncio.create_subprocess_exec(
        *argv, cwd=REPO, env={**child_env(), **(settings or {})}, preexec_fn=_die_with_parent, **options
    )
    LIVE.add(process)
    return process


def kill_all() -> None:
    for process in list(LIVE):
        if process.returncode is None:
            with contextlib.suppress(OSError):
                os.kill(process.pid, signal.SIGKILL)
    LIVE.clear()


def busy_seconds() -> float:
    """CPU seconds all cores have spent on anything but idling, since boot."""
    times = psutil.cpu_times()
    return float(sum(times) - times.idle - getattr(times, "iowait", 0.0))


def process_cpu(pid: int) -> float:
    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return 0.0
    return float(times.user + times.system)


def listen_overflows() -> int:
    """The kernel's count of connections dropped because a listen queue was full (TcpExt ListenOverflows)."""
    try:
        lines = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return 0
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            table = dict(zip(names.split()[1:], values.split()[1:], strict=False))
            return int(table.get("ListenOverflows", 0))
    return 0


def child_env() -> dict[str, str]:
    """The driver's environment without SWITCHYARD_* overrides, so the node runs on its defaults."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("SWITCHYARD_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def pin(pid: int, cpu: int, enabled: bool) -> None:
    if not enabled:
        return
    with contextlib.suppress(psutil.Error, OSError):
        if cpu < (psutil.cpu_count() or 1):
            psutil.Process(pid).cpu_affinity([cpu])


@dataclass
class Server:
    kind: str
    process: asyncio.subprocess.Process
    port: int
    log: Path
    # The REST API's port, for servers that have one (the ready line's third field).
    api_port: int = 0
    ps: psutil.Process = field(init=False)

    def __post_init__(self) -> None:
        self.ps = psutil.Process(self.process.pid)

    def rss(self) -> int:
        return int(self.ps.memory_info().rss)

    def cpu_seconds(self) -> float:
        times = self.ps.cpu_times()
        return float(times.user + times.system)

    def alive(self) -> bool:
        return self.process.returncode is None

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


async def start_server(
    kind: str,
    workdir: Path,
    template_db: Path,
    pinned: bool,
    timeout: float = 60.0,
    interactive: bool = False,
    settings: dict[str, str] | None = None,
) -> Server:
    """Start a server and wait for its ready line; `interactive` keeps its stdin and stdout for the caller;
    `settings` are SWITCHYARD_* variables the measurement needs (a Switchyard server only)."""
    port = free_port()
    log = workdir / f"{kind}-{port}.log"
    if kind == "switchyard":
        database = workdir / f"switchyard-{port}.db"
        shutil.copyfile(template_db, database)
        argv = ["-m", "bench.switchyard_server", str(port), str(database)]
    else:
        argv = ["-m", "bench.baseline_server", str(port)]
    with log.open("wb") as stderr:
        process = await spawn(
            sys.executable,
            *argv,
            stdin=asyncio.subprocess.PIPE if interactive else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
            settings=settings if kind == "switchyard" else None,
        )
    server = Server(kind, process, port, log)
    pin(process.pid, SERVER_CPU, pinned)
    assert process.stdout is not None
    try:
        async with asyncio.timeout(timeout):
            while True:
                line = await process.stdout.readline()
                if not line:
                    raise BenchError(f"{kind} server exited before it was ready:\n{server.log_tail()}")
                if line.decode().startswith(READY):
                    fields = line.decode().split()
                    server.api_port = int(fields[2]) if len(fields) > 2 else 0
                    break
    except BaseException:
        await stop_server(server)
        raise
    if not interactive:
        # Keep draining stdout so the server never blocks on a full pipe.
        asyncio.get_running_loop().create_task(_drain(process.stdout))
    return server


async def _drain(stream: asyncio.StreamReader) -> None:
    with contextlib.suppress(Exception):
        while await stream.read(65536):
            pass


async def stop_server(server: Server, timeout: float = 20.0) -> None:
    process = server.process
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
    LIVE.discard(process)


class Client:
    """The load client as a child process; its stdout is a stream of JSON events."""

    def __init__(self, process: asyncio.subprocess.Process, deadline: float) -> None:
        self.process = process
        self.deadline = deadline
        self.stderr_task = asyncio.get_running_loop().create_task(self._read_stderr())
        self.stderr = b""

    @classmethod
    async def start(
        cls, mode: str, port: int, pinned: bool, deadline: float, module: str = "bench.load_client", **options: Any
    ) -> "Client":
        argv = [sys.executable, "-m", module, mode, "--port", str(port), "--deadline", str(deadline)]
        for name, value in options.items():
            argv += [f"--{name.replace('_', '-')}", str(value)]
        process = await spawn(
            *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        pin(process.pid, CLIENT_CPU, pinned)
        return cls(process, time.monotonic() + deadline + 10)

    async def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        self.stderr = await self.process.stderr.read()

    async def event(self, name: str) -> dict[str, Any]:
        """The next event called `name` (earlier events are skipped)."""
        assert self.process.stdout is not None
        while True:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise BenchError(f"load client: no {name!r} event in time")
            line = await asyncio.wait_for(self.process.stdout.readline(), remaining)
            if not line:
                await self.process.wait()
                raise BenchError(f"load client exited before {name!r}:\n{self.stderr.decode(errors='replace')[-2000:]}")
            event = json.loads(line)
            if event.get("event") == name:
                return dict(event)

    async def send(self, line: str) -> None:
        """A command line on the client's stdin (`measure 5`)."""
        assert self.process.stdin is not None
        self.process.stdin.write(line.encode() + b"\n")
        await self.process.stdin.drain()

    async def close(self, timeout: float = 60.0) -> None:
        """Ask a holding client to close its stations, then wait for it to exit."""
        stdin = self.process.stdin
        if stdin is not None and not stdin.is_closing():
            with contextlib.suppress(ConnectionError):
                stdin.write(b"close\n")
                await stdin.drain()
                stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()
        LIVE.discard(self.process)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stderr_task, 5)

    def cpu_seconds(self) -> float:
        return process_cpu(self.process.pid)
