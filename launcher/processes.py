"""Start, watch, restart and stop the stack's processes; none outlives the launcher.

Each process runs in its own session (so a terminal's Ctrl-C reaches only
the launcher, which then stops everything in order) and is told by the
kernel to exit if the launcher dies without cleaning up (PR_SET_PDEATHSIG).
Output goes to a log file per process (`<run folder>/logs/<name>.log`) and,
when echoing, to the terminal with a coloured name prefix: every line when
verbose, else only warnings, errors and lines without a level
(launcher/log_levels.py). Children run with umask 077: what they write
(databases, traces, keys) is the user's alone.

Once the stack is up, `supervise()` keeps it up as Kubernetes would: a
process that exits without being asked to is started again with the same
command line and environment, after an exponential back-off (`RestartPolicy`),
and each exit and restart is reported (the terminal, `supervisor.log`,
`events`, `ManagedProcess.restarts`). Before that, a process that dies fails
the start, and the launcher stops everything at once.
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

from launcher.log_levels import notable
from launcher.private_files import PRIVATE_UMASK, make_private_dir, open_private_append

__all__ = [
    "ManagedProcess",
    "RestartPolicy",
    "StartupError",
    "Supervisor",
    "http_ok",
    "wait_until_ready",
]

_COLOURS = itertools.cycle(["36", "33", "35", "32", "34", "31"])
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class StartupError(RuntimeError):
    """A process did not come up; the message carries the end of its log."""


@dataclass(frozen=True)
class RestartPolicy:
    """When a crashed process starts again: Kubernetes' CrashLoopBackOff, scaled for a laptop.

    The n-th consecutive crash waits `first_delay_s * 2**(n-1)` seconds, at
    most `max_delay_s` (Kubernetes: 10 s doubling to 300 s). A process that
    has run `reset_after_s` seconds since its last start counts as healthy
    again, and its next crash waits `first_delay_s`.
    """

    first_delay_s: float = 1.0
    max_delay_s: float = 30.0
    reset_after_s: float = 60.0

    def delay(self, consecutive_crashes: int) -> float:
        """Seconds to wait before the restart that follows this many crashes in a row."""
        return float(
            min(self.first_delay_s * 2 ** max(consecutive_crashes - 1, 0), self.max_delay_s)
        )


@dataclass
class ManagedProcess:
    """A process the supervisor started, with what it takes to start it again.

    `wanted` is False once it was stopped or killed on purpose: the
    supervisor then leaves it down. `restarts` counts restarts after crashes.
    """

    name: str
    argv: Sequence[str]
    env: Mapping[str, str]
    cwd: Path
    log_path: Path
    popen: subprocess.Popen[bytes] | None = None
    wanted: bool = True
    restarts: int = 0
    started_at: float = 0.0
    _pump: threading.Thread | None = field(default=None, repr=False)
    _crashes: int = field(default=0, repr=False)
    _restart_at: float | None = field(default=None, repr=False)

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    @property
    def pid(self) -> int | None:
        return None if self.popen is None else self.popen.pid

    def tail(self, lines: int = 60) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


class Supervisor:
    """Owns every process of a stack; `stop_all` ends them in reverse order.

    Thread-safe: the watcher thread of `supervise()` and the caller's thread
    (tests stop, kill and start processes on purpose) share one lock.
    """

    def __init__(
        self,
        log_dir: Path,
        *,
        echo: bool,
        verbose: bool = True,
        policy: RestartPolicy | None = None,
    ) -> None:
        self._log_dir = make_private_dir(log_dir)
        self._echo = echo
        self._verbose = verbose
        self.policy = policy or RestartPolicy()
        self._processes: dict[str, ManagedProcess] = {}
        self._colours: dict[str, str] = {}
        self._lock = threading.RLock()
        self._closing = threading.Event()
        self._watcher: threading.Thread | None = None
        # What the supervisor did after start-up, one line per exit or restart.
        self.events: list[str] = []

    def __getitem__(self, name: str) -> ManagedProcess:
        with self._lock:
            return self._processes[name]

    @property
    def processes(self) -> list[ManagedProcess]:
        with self._lock:
            return list(self._processes.values())

    def start(
        self, name: str, argv: Sequence[str], *, env: Mapping[str, str], cwd: Path
    ) -> ManagedProcess:
        """Start (or start again, with a new command line) the process called `name`."""
        with self._lock:
            if name in self._processes and self._processes[name].alive:
                raise RuntimeError(f"{name} is still running")
            process = ManagedProcess(
                name, list(argv), dict(env), cwd, self._log_dir / f"{name}.log"
            )
            self._processes[name] = process
            return self._launch(process)

    def restart(self, name: str) -> ManagedProcess:
        """Start a stopped process again with the same command line."""
        with self._lock:
            process = self._processes[name]
            if process.alive:
                raise RuntimeError(f"{name} is still running")
            process.wanted = True
            process._restart_at = None
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
            umask=PRIVATE_UMASK,
        )
        process.started_at = time.monotonic()
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
        with open_private_append(log_path) as log:
            for raw in iter(stream.readline, b""):
                log.write(raw)
                log.flush()
                if not self._echo:
                    continue
                line = raw.decode(errors="replace").rstrip()
                if self._verbose or notable(line):
                    sys.stdout.write(f"{prefix}{line}\n")
                    sys.stdout.flush()

    # -- supervision after start-up ------------------------------------------

    def supervise(self, interval_s: float = 0.2) -> None:
        """From now on, restart any process that exits unasked (see `RestartPolicy`)."""
        with self._lock:
            if self._watcher is not None:
                return
            self._watcher = threading.Thread(
                target=self._watch, args=(interval_s,), name="supervisor", daemon=True
            )
            self._watcher.start()

    def _watch(self, interval_s: float) -> None:
        while not self._closing.wait(interval_s):
            with self._lock:
                for process in self._processes.values():
                    self._tend(process, time.monotonic())

    def _tend(self, process: ManagedProcess, now: float) -> None:
        if not process.wanted or process.popen is None:
            return
        if process.alive:
            if now - process.started_at >= self.policy.reset_after_s:
                process._crashes = 0
            return
        if process._restart_at is None:
            process._crashes += 1
            delay = self.policy.delay(process._crashes)
            process._restart_at = now + delay
            self._report(
                f"{process.name} exited with code {process.popen.returncode} after "
                f"{now - process.started_at:.1f}s; restarting in {delay:.1f}s"
            )
        elif now >= process._restart_at:
            process._restart_at = None
            process.restarts += 1
            try:
                self._launch(process)
            except OSError as exc:  # e.g. the binary vanished: try again after the next delay
                self._report(f"{process.name} could not be restarted: {exc}")
                return
            self._report(f"{process.name} restarted (restart {process.restarts})")

    def _report(self, line: str) -> None:
        stamped = f"{time.strftime('%H:%M:%S')} {line}"
        self.events.append(stamped)
        with open_private_append(self._log_dir / "supervisor.log") as log:
            log.write(f"{stamped}\n".encode())
        if self._echo:
            sys.stdout.write(f"\033[1m[supervisor]\033[0m {line}\n")
            sys.stdout.flush()

    # -- stopping ---------------------------------------------------------------

    def _unwanted(self, name: str) -> ManagedProcess:
        with self._lock:
            process = self._processes[name]
            process.wanted = False
            process._restart_at = None
            return process

    def kill(self, name: str) -> None:
        """SIGKILL a process at once, on purpose (fault injection): it stays down."""
        process = self._unwanted(name)
        self._signal(process, signal.SIGKILL)
        self._wait(process, timeout=10)

    def stop(self, name: str, timeout: float = 10) -> None:
        """SIGTERM a process, then SIGKILL it if it has not exited in `timeout` s; it stays down."""
        process = self._unwanted(name)
        self._signal(process, signal.SIGTERM)
        if not self._wait(process, timeout):
            self._signal(process, signal.SIGKILL)
            self._wait(process, timeout)

    def finish(self, name: str, timeout: float = 10) -> None:
        """Stop a one-off process and forget it: it is not part of the running stack."""
        self.stop(name, timeout)
        with self._lock:
            del self._processes[name]

    def stop_all(self, timeout: float = 10) -> None:
        """Stop supervising, then stop every process, the last started first."""
        self._closing.set()
        if self._watcher is not None:
            self._watcher.join()
        for process in reversed(self.processes):
            self.stop(process.name, timeout)

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
