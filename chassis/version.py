"""The system's one version: `[project] version` in pyproject.toml.

The services report it (`/healthz`, OpenAPI, the hub's A2A card), `make images`
tags the images with it and `k8s/base` names those tags. An agent's card carries
its own SemVer (`AgentDescription.version`), which the registry evaluates: that
is the agent's version, not the system's. Images carry pyproject.toml beside
the code (containers/Containerfile.python), so the file is there too.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

__all__ = ["PYPROJECT", "system_version"]

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


@cache
def system_version(pyproject: Path = PYPROJECT) -> str:
    """The `[project] version` of `pyproject` (read once); KeyError if it has none."""
    with pyproject.open("rb") as file:
        return str(tomllib.load(file)["project"]["version"])
