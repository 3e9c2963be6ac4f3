"""Where and with what a benchmark ran: date, machine, versions, commit."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import psutil

from bench.loadgen import wrk_version
from launcher.toolchain import REPO_ROOT, daprd_path, daprd_version

__all__ = ["describe"]

PACKAGES = ("fastapi", "uvicorn", "aiohttp", "pydantic", "semantic-kernel", "dapr", "uvloop")


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _commit() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False
        )
        return done.stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = git("diff", "HEAD", "--name-only", "--", ".", ":!bench").split()
    if not changed:
        return head
    more = f" and {len(changed) - 4} more" if len(changed) > 4 else ""
    return f"{head} + uncommitted changes to {', '.join(changed[:4])}{more}"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"


def describe() -> dict[str, str]:
    """Plain strings, ready for the report's header and the JSON."""
    memory_gib = psutil.virtual_memory().total / 2**30
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores, {_cpu_model()}, {memory_gib:.0f} GiB",
        "os": f"{platform.system()} {platform.release()}",
        "load average at start": load,
        "python": platform.python_version(),
        "daprd": daprd_version(daprd_path()),
        "wrk": wrk_version(),
        "packages": ", ".join(f"{p} {_version(p)}" for p in PACKAGES),
        "commit": _commit(),
    }
