"""Where the binaries the stack runs live, and what to do when one is missing."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

__all__ = [
    "REPO_ROOT",
    "ToolMissingError",
    "daprd_path",
    "daprd_version",
    "redis_server_path",
    "sentry_path",
]

REPO_ROOT = Path(__file__).resolve().parent.parent


class ToolMissingError(RuntimeError):
    """A binary the stack needs is not installed."""


def _dapr_binary(name: str) -> Path:
    path = REPO_ROOT / ".dapr" / "bin" / name
    if not path.exists():
        raise ToolMissingError(
            f"{name} not found at {path.relative_to(REPO_ROOT)}: run `make dapr` "
            "(bash tools/dapr/build.sh) to build the pinned runtime from the Go module proxy"
        )
    return path


def daprd_path() -> Path:
    """The daprd built (or linked) by tools/dapr/build.sh."""
    return _dapr_binary("daprd")


def sentry_path() -> Path:
    """Dapr's certificate authority, built with daprd."""
    return _dapr_binary("sentry")


def daprd_version(path: Path) -> str:
    return subprocess.run(
        [str(path), "--version"], capture_output=True, text=True, check=True, timeout=30
    ).stdout.strip()


def redis_server_path() -> Path:
    found = shutil.which("redis-server")
    if found is None:
        raise ToolMissingError(
            "redis-server not found: run `make bootstrap` (installs Debian's redis-server)"
        )
    return Path(found)
