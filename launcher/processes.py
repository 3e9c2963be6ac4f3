"""Start, watch and stop the stack's processes; none outlives the launcher.

Each process runs in its own session (so a terminal's Ctrl-C reaches only
the launcher, which then stops everything in order) and is told by the
kernel to exit if the launcher dies without cleaning up (PR_SET_PDEATHSIG).
Output goes to a log file per process and, when echoing, to the terminal
with a coloured name prefix.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

__all__ = ["ManagedProcess", "StartupError", "Supervisor", "http_ok", "wait_until_ready"]

_COLOURS = itertools.cycle(["36", "33", "35", "32", "34", "31"])
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class StartupError(RuntimeError):
    """A process did not come up; the message carries the end of its log."""


@dataclass
class ManagedProcess:
    """A process the supervisor started, with what it takes to start it again."""

    name: str
    argv: Sequence[str]
    env: Mapping[str, str]
    cwd: Path
    log_path: Path
    popen: subprocess.Popen[bytes] | None = None
    _pump: threading.Thread | None = field(default=None, repr=False)

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def tail(self, lines: int = 60) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


class Supervisor:
    """Owns every process of a stack; `stop_all` ends them in reverse order."""

    def __init__(self, log_dir: Path, *, echo: bool) -> None:
        self._log_dir = log_dir
        self._echo = echo
        self._processes: dict[str, ManagedProcess] = {}
        self._colours: dict[str, str] = {}
        log_dir.mkdir(parents=True, exist_ok=True)

    def __getitem__(self, name: str) -> ManagedProcess:
        return self._processes[name]

    @property
    def processes(self) -> list[ManagedProcess]:
        return list(self._processes.values())

    def start(
        self, name: str, argv: Sequence[str], *, env: Mapping[str, str], cwd: Path
    ) -> ManagedProcess:
        """Start (or start again) the process called `name`."""
        process = ManagedProcess(name, list(argv), dict(env), cwd, self._log_dir / f"{name}.log")
        self._processes[name] = process
        return self._launch(process)

    def restart(self, name: str) -> ManagedProcess:
        """Start a stopped process again with the same command line."""
        process = self._processes[name]
        if process.alive:
            raise RuntimeError(f"{name} is still running")
        return self._launch(process)

    def _launch(self, process: ManagedProcess) -> ManagedProcess:
        process.popen = subprocess.Popen(
            process.argv,
            env=dict(process.env),
            cwd=process.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        assert process.popen.stdout is not None
        process._pump = threading.Thread(
            target=self._pump_output,
            args=(process.name, process.popen.stdout, process.log_path),
            daemon=True,
        )
        process._pump.start()
        return process

    def _pump_output(self, name: str, stream: IO[bytes], log_path: Path) -> None:
        colour = self._colours.setdefault(name, next(_COLOURS))
        prefix = f"\033[{colour}m{name:>20} |\033[0m "
        with log_path.open("ab") as log:
            for raw in iter(stream.readline, b""):
                log.write(raw)
                log.flush()
                if self._echo:
                    line = raw.decode(errors="replace").rstrip()
                    sys.stdout.write(f"{prefix}{line}\n")
                    sys.stdout.flush()

    def kill(self, name: str) -> None:
        """SIGKILL a process at once (fault injection)."""
        self._signal(self._processes[name], signal.SIGKILL)
        self._wait(self._processes[name], timeout=10)

    def stop(self, name: str, timeout: float = 10) -> None:
        """SIGTERM a process, then SIGKILL it if it has not exited in `timeout` s."""
        process = self._processes[name]
        self._signal(process, signal.SIGTERM)
        if not self._wait(process, timeout):
            self._signal(process, signal.SIGKILL)
            self._wait(process, timeout)

    def finish(self, name: str, timeout: float = 10) -> None:
        """Stop a one-off process and forget it: it is not part of the running stack."""
        self.stop(name, timeout)
        del self._processes[name]

    def stop_all(self, timeout: float = 10) -> None:
        """Stop every process, the last started first."""
        for name in reversed(list(self._processes)):
            self.stop(name, timeout)

    @staticmethod
    def _signal(process: ManagedProcess, sig: signal.Signals) -> None:
        if process.popen is None or process.popen.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.popen.pid, sig)

    @staticmethod
    def _wait(process: ManagedProcess, timeout: float) -> bool:
        if process.popen is None:
            return True
        try:
            process.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        if process._pump is not None:
            process._pump.join(timeout=2)
        return True


def http_ok(url: str, timeout_s: float = 2) -> bool:
    """Whether `url` answers 200 or 204 now."""
    try:
        return httpx.get(url, timeout=timeout_s).status_code in (200, 204)
    except httpx.TransportError:
        return False


def wait_until_ready(
    process: ManagedProcess,
    ready: Callable[[], bool],
    *,
    timeout_s: float,
    what: str = "ready",
    interval_s: float = 0.1,
) -> None:
    """Poll `ready` until it holds; StartupError if the process dies or time runs out."""
    deadline = time.monotonic() + timeout_s
    while not ready():
        if not process.alive:
            raise StartupError(f"{process.name} exited early; its log:\n{process.tail()}")
        if time.monotonic() > deadline:
            raise StartupError(
                f"{process.name} not {what} after {timeout_s:.0f}s; its log:\n{process.tail()}"
            )
        time.sleep(interval_s)
