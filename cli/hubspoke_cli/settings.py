"""Where the orchestrator is and the key to it: the environment, else the running stack.

`HUBSPOKE_URL` and `HUBSPOKE_API_KEY` first; what they leave out comes from
the stack `make run` started: `<run folder>/stack.json` (launcher/stackfile.py:
`orchestrator.url`, and `api_key_file` relative to the run folder). The run
folder is `HUBSPOKE_RUN_DIR`, else `.run` in the current folder.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError

__all__ = ["ENVIRONMENT", "ConfigError", "Settings", "load_settings"]

# What `load_settings` reads (docs/configuration.md is generated from this).
ENVIRONMENT: dict[str, str] = {
    "HUBSPOKE_URL": "The orchestrator's base URL; unset: the running stack's (stack.json).",
    "HUBSPOKE_API_KEY": "The API key sent as X-API-Key; unset: the running stack's key file.",
    "HUBSPOKE_RUN_DIR": "The run folder of the stack `make run` started; unset: `.run` in the "
    "current folder.",
}


class ConfigError(Exception):
    """No orchestrator to talk to: neither the environment nor a stack file says where."""


class _Orchestrator(BaseModel):
    url: str


class _StackFile(BaseModel):
    orchestrator: _Orchestrator
    api_key_file: str


@dataclass(frozen=True)
class Settings:
    url: str
    api_key: str | None


def load_settings(env: Mapping[str, str], cwd: Path) -> Settings:
    """The orchestrator's URL and API key; ConfigError if the URL is nowhere to be found."""
    url = env.get("HUBSPOKE_URL") or None
    key = env.get("HUBSPOKE_API_KEY") or None
    if url is not None and key is not None:
        return Settings(url=url.rstrip("/"), api_key=key)
    run_dir = Path(env.get("HUBSPOKE_RUN_DIR") or cwd / ".run")
    stack_file = run_dir / "stack.json"
    try:
        stack = _StackFile.model_validate(json.loads(stack_file.read_text()))
    except FileNotFoundError:
        if url is not None:
            return Settings(url=url.rstrip("/"), api_key=None)
        raise ConfigError(
            f"no orchestrator: set HUBSPOKE_URL (and HUBSPOKE_API_KEY), or start the stack "
            f"(make run) so that {stack_file} exists"
        ) from None
    except (ValueError, ValidationError) as exc:
        raise ConfigError(f"{stack_file} is not a stack file: {exc}") from exc
    if key is None:
        key_file = run_dir / stack.api_key_file
        try:
            key = key_file.read_text().strip()
        except OSError as exc:
            raise ConfigError(f"cannot read the API key in {key_file}: {exc}") from exc
    return Settings(url=(url or stack.orchestrator.url).rstrip("/"), api_key=key)
