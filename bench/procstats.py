"""CPU and memory of every process of a setup while one cell runs (psutil).

CPU is the process's user + system time consumed during the cell divided by
the wall time (100 % = one core busy); memory is the peak RSS seen by a
sampler thread. The machine's own busy time is measured too, so the time
spent by processes that are not ours (noise) shows as `other`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType

import psutil

__all__ = ["CellUsage", "ProcessGone", "ProcessUsage", "UsageSampler", "rss_mb", "wait_quiet"]


class ProcessGone(RuntimeError):
    """A process of the setup exited while it was being measured."""


@dataclass(frozen=True)
class ProcessUsage:
    name: str
    cpu_percent: float  # of one core
    peak_rss_mb: float


@dataclass(frozen=True)
class CellUsage:
    processes: tuple[ProcessUsage, ...]
    machine_busy_percent: float  # of all cores together (100 % = every core busy)
    other_cpu_percent: float  # of one core: busy time not spent in the processes listed


def _machine_busy_s() -> float:
    # What /proc/stat counts as running: guest time is already inside user, steal is the host's.
    times = psutil.cpu_times()._asdict()
    return float(sum(times.get(k, 0.0) for k in ("user", "nice", "system", "irq", "softirq")))


def _cpu_s(process: psutil.Process) -> float:
    try:
        times = process.cpu_times()
    except psutil.Error as exc:
        raise ProcessGone(f"process {process.pid} exited during the measurement") from exc
    return float(times.user + times.system)


def _processes(pids: Mapping[str, int]) -> dict[str, psutil.Process]:
    try:
        return {name: psutil.Process(pid) for name, pid in pids.items()}
    except psutil.Error as exc:
        raise ProcessGone(f"a process of the setup is gone: {exc}") from exc


class UsageSampler:
    """`with UsageSampler({"name": pid}) as sampler: ...`, then `sampler.result(extra)`."""

    def __init__(self, pids: Mapping[str, int], interval_s: float = 0.2) -> None:
        self._processes = _processes(pids)
        self._interval_s = interval_s
        self._peak_rss = dict.fromkeys(self._processes, 0)
        # Started during the cell (the load generator): memory sampled here, CPU elsewhere.
        self._watched: dict[str, psutil.Process] = {}
        self._cpu_start: dict[str, float] = {}
        self._cpu_end: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._wall = (0.0, 0.0)
        self._busy = (0.0, 0.0)

    def __enter__(self) -> UsageSampler:
        self._cpu_start = {name: _cpu_s(p) for name, p in self._processes.items()}
        self._busy = (_machine_busy_s(), 0.0)
        self._wall = (time.monotonic(), 0.0)
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            self._wall = (self._wall[0], time.monotonic())
            self._busy = (self._busy[0], _machine_busy_s())
            self._cpu_end = {name: _cpu_s(p) for name, p in self._processes.items()}
        finally:
            self._stop.set()
            self._thread.join()

    def watch(self, name: str, pid: int) -> None:
        """Sample the memory of a process started during the cell."""
        try:
            self._watched = {**self._watched, name: psutil.Process(pid)}
        except psutil.Error:
            return

    def peak_rss_mb(self, name: str) -> float:
        return self._peak_rss.get(name, 0) / 2**20

    def _sample(self) -> None:
        while not self._stop.is_set():
            for name, process in [*self._processes.items(), *self._watched.items()]:
                try:
                    rss = process.memory_info().rss
                except psutil.Error:
                    continue
                self._peak_rss[name] = max(self._peak_rss.get(name, 0), rss)
            self._stop.wait(self._interval_s)

    def result(self, extra: Mapping[str, tuple[float, float]] | None = None) -> CellUsage:
        """The cell's usage; `extra` adds processes measured elsewhere: name -> (cpu_s, rss_mb)."""
        wall = max(self._wall[1] - self._wall[0], 1e-9)
        extra = extra or {}
        usage = [
            ProcessUsage(
                name=name,
                cpu_percent=100 * (self._cpu_end[name] - self._cpu_start[name]) / wall,
                peak_rss_mb=self._peak_rss[name] / 2**20,
            )
            for name in self._processes
        ]
        usage += [ProcessUsage(n, 100 * cpu / wall, rss) for n, (cpu, rss) in extra.items()]
        busy = self._busy[1] - self._busy[0]
        ours = sum(u.cpu_percent for u in usage)
        cores = psutil.cpu_count() or 1
        return CellUsage(
            processes=tuple(usage),
            machine_busy_percent=100 * busy / wall / cores,
            other_cpu_percent=max(0.0, 100 * busy / wall - ours),
        )


def rss_mb(pids: Mapping[str, int]) -> dict[str, float]:
    """Resident memory of each process now, MB (processes already gone are left out)."""
    found = {}
    for name, pid in pids.items():
        try:
            found[name] = psutil.Process(pid).memory_info().rss / 2**20
        except psutil.NoSuchProcess:
            continue
    return found


def _busy_percent(processes: list[psutil.Process], window_s: float) -> tuple[float, float]:
    """CPU % (of one core) over `window_s`: of `processes` together, and of everything else."""
    ours, machine = sum(_cpu_s(p) for p in processes), _machine_busy_s()
    time.sleep(window_s)
    ours = sum(_cpu_s(p) for p in processes) - ours
    machine = _machine_busy_s() - machine
    return 100 * ours / window_s, max(0.0, 100 * (machine - ours) / window_s)


def wait_quiet(
    pids: Mapping[str, int],
    *,
    below_percent: float,
    others: bool = False,
    window_s: float = 0.5,
    timeout_s: float = 20.0,
) -> float:
    """Wait until the processes together (or, with `others`, everything else on the
    machine) use less than `below_percent` of one core; return the seconds waited.

    Work queued by the previous cell (pub/sub deliveries, retries) must not be
    charged to the next one, nor the work of whatever else runs on the machine.
    """
    processes = list(_processes(pids).values())
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        ours, other = _busy_percent(processes, window_s)
        if (other if others else ours) < below_percent:
            break
    return time.monotonic() - started
