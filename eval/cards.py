"""The cards of the agents the stack runs, built by each agent's own code.

The agents are those of the run file (`dapr.yaml`), less the orchestrator: a
Python agent (`python -m agents.<name>`) by `chassis.agent.build_card` from its
`main.AGENT`; a Node agent (`node dist/main.js`) by its `dist/card-json.js`,
which prints the card the agent serves; an agent in any other language by the
card it ships, `agents/<app-id>/card.json`, which the conformance kit checks is
the card it serves (`card.file`). So the evaluation follows every card change.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
from pathlib import Path
from typing import Any

from chassis.agent import AgentDescription, build_card
from chassis.settings import AgentSettings
from launcher.runfile import AppSpec, load_runfile

__all__ = ["CardError", "agent_cards"]

ROOT = Path(__file__).resolve().parents[1]
HUB = "orchestrator"
# How long an agent may take to print its card (it starts a runtime, nothing else).
_PRINT_TIMEOUT_S = 60.0


class CardError(RuntimeError):
    """An agent's card could not be built (e.g. a Node agent not compiled: make bootstrap)."""


def agent_cards(runfile: Path = ROOT / "dapr.yaml") -> dict[str, dict[str, Any]]:
    """app-id -> the agent's card JSON, for every agent of the run file; raises CardError."""
    apps = load_runfile(runfile).apps
    return {app.app_id: _card(app, runfile.parent) for app in apps if app.app_id != HUB}


def _card(app: AppSpec, root: Path) -> dict[str, Any]:
    command = app.command
    if command[:2] == ["python", "-m"] and len(command) == 3:
        agent = getattr(importlib.import_module(f"{command[2]}.main"), "AGENT", None)
        if not isinstance(agent, AgentDescription):
            raise CardError(f"{command[2]}.main has no AGENT description")
        return build_card(agent, AgentSettings(app_id=app.app_id, app_port=app.app_port))
    if command[0] == "node" and len(command) == 2:
        return _node_card(app, root / app.app_dir_path, Path(command[1]).parent)
    return _shipped_card(app, root / "agents" / app.app_id / "card.json")


def _shipped_card(app: AppSpec, path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise CardError(
            f"{app.app_id} (started by {app.command}) ships no {path}: write the card it "
            "serves there (GET /.well-known/agent-card.json; `make conformance` checks it)"
        )
    try:
        card = json.loads(path.read_text())
    except ValueError as exc:
        raise CardError(f"{path} is not JSON: {exc}") from exc
    if not isinstance(card, dict):
        raise CardError(f"{path} holds no card object")
    return card


def _node_card(app: AppSpec, folder: Path, dist: Path) -> dict[str, Any]:
    script = folder / dist / "card-json.js"
    if not script.exists():
        raise CardError(f"{script} is missing: build the agent first (make bootstrap)")
    return _printed_card(app, folder, ["node", str(script.relative_to(folder))])


def _printed_card(app: AppSpec, folder: Path, command: list[str]) -> dict[str, Any]:
    """The card `command`, run in the agent's folder with its APP_ID, prints on stdout."""
    env = {**os.environ, "APP_ID": app.app_id, "APP_PORT": str(app.app_port), **app.env}
    try:
        done = subprocess.run(
            command,
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=_PRINT_TIMEOUT_S,
            check=True,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise CardError(f"{app.app_id}: {command} failed: {exc}") from exc
    try:
        card = json.loads(done.stdout)
    except json.JSONDecodeError as exc:
        raise CardError(f"{app.app_id}: {command} printed no JSON: {exc}") from exc
    if not isinstance(card, dict):
        raise CardError(f"{app.app_id}: {command} printed no card object")
    return card
