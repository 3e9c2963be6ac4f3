"""The load generator: wrk (C, epoll), driven with `bench/wrk_post.lua`.

wrk runs a closed loop: N connections, each sending its next request when the
previous answer arrives, spread over min(N, 2) threads (the machine's cores).
Its own CPU time is measured (the rusage of the finished child) so the report
can show it is not the bottleneck.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["HttpRequest", "LoadError", "LoadResult", "run_wrk", "wrk_version"]

_SCRIPT = Path(__file__).with_name("wrk_post.lua")
_MARKER = "WRK_JSON "


class LoadError(RuntimeError):
    """wrk failed or printed no result."""


@dataclass(frozen=True)
class HttpRequest:
    """One POST that wrk sends over and over."""

    url: str
    body: bytes
    headers: Mapping[str, str]


@dataclass(frozen=True)
class LoadResult:
    connections: int
    threads: int
    duration_s: float
    requests: int
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    errors: int  # connect/read/write errors and timeouts
    non_2xx: int
    cpu_s: float  # wrk's own user + system time


def _wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise LoadError("wrk is not installed (bench.tools.ensure_wrk installs it)")
    return found


def wrk_version() -> str:
    done = subprocess.run([_wrk(), "--version"], capture_output=True, text=True, check=False)
    return (done.stdout or done.stderr).splitlines()[0].split(" [")[0].removeprefix("wrk ")


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_wrk(
    request: HttpRequest,
    *,
    connections: int,
    duration_s: int,
    timeout_s: int = 10,
    on_start: Callable[[int], None] | None = None,
) -> LoadResult:
    """Load `request.url` for `duration_s` seconds with `connections` open connections.

    `on_start` gets wrk's pid (to sample its memory).
    """
    threads = min(connections, 2)
    argv = [
        _wrk(), "-t", str(threads), "-c", str(connections), "-d", f"{duration_s}s",
        "--timeout", f"{timeout_s}s", "-s", str(_SCRIPT), request.url,
    ]  # fmt: skip
    env = {
        **os.environ,
        "WRK_BODY": request.body.decode(),
        "WRK_HEADERS": "\n".join(f"{k}: {v}" for k, v in request.headers.items()),
    }
    cpu_before = _children_cpu_s()
    with subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as wrk:
        if on_start is not None:
            on_start(wrk.pid)
        try:
            stdout, stderr = wrk.communicate(timeout=duration_s + 60)
        except subprocess.TimeoutExpired as exc:
            wrk.kill()
            raise LoadError(f"wrk did not finish within {duration_s + 60}s") from exc
    cpu_s = _children_cpu_s() - cpu_before
    line = next((x for x in stdout.splitlines() if x.startswith(_MARKER)), None)
    if wrk.returncode != 0 or line is None:
        raise LoadError(f"wrk exited {wrk.returncode}: {stderr.strip() or stdout}")
    raw = json.loads(line.removeprefix(_MARKER))
    latency, errors = raw["latency_us"], raw["errors"]
    wall_s = raw["duration_us"] / 1e6
    return LoadResult(
        connections=connections,
        threads=threads,
        duration_s=wall_s,
        requests=raw["requests"],
        rps=raw["requests"] / wall_s,
        p50_ms=latency["p50"] / 1000,
        p90_ms=latency["p90"] / 1000,
        p99_ms=latency["p99"] / 1000,
        mean_ms=latency["mean"] / 1000,
        max_ms=latency["max"] / 1000,
        errors=sum(errors[k] for k in ("connect", "read", "write", "timeout")),
        non_2xx=errors["status"],
        cpu_s=cpu_s,
    )
