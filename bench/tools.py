"""The benchmark's setup step: install the load generator when it is missing.

wrk comes from Debian's packages, as Redis does in scripts/bootstrap.sh (with
sudo unless already root). The Python side (psutil, matplotlib, py-spy) is
the `bench` dependency group, installed by `make bootstrap`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable

__all__ = ["ToolInstallError", "ensure_wrk"]


class ToolInstallError(RuntimeError):
    """A tool could not be installed."""


def _as_root(argv: list[str]) -> list[str]:
    return argv if os.geteuid() == 0 else ["sudo", *argv]


def ensure_wrk(say: Callable[[str], None]) -> str:
    """The path of wrk, installing Debian's package first if needed."""
    found = shutil.which("wrk")
    if found is not None:
        return found
    if shutil.which("apt-get") is None:
        raise ToolInstallError("wrk is missing and there is no apt-get: install wrk yourself")
    say("installing wrk from Debian's packages")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"],
    ):
        done = subprocess.run(_as_root(argv), env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise ToolInstallError(f"{' '.join(argv)} failed: {done.stderr.strip()}")
    found = shutil.which("wrk")
    if found is None:
        raise ToolInstallError("apt-get installed wrk but it is not on PATH")
    return found
