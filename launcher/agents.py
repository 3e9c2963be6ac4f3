"""The declaration of the system's agents: one place per agent.

An agent is declared once, by two files that everything else reads:

- its entry in `dapr.yaml` (app-id, folder, ports, command: Dapr's Multi-App
  Run file, `launcher.runfile`), and
- its manifest `agents/<app-id>/agent.yaml` (`AgentManifest`): its language,
  and the commands that build and test it, and the Containerfile of its image.

Every app of `dapr.yaml` but the orchestrator is an agent. The manifest's
commands run in the agent's folder `agents/<app-id>` with `bash -c`.

Errors (all `DeclarationError`, a `ValueError`): a manifest missing, not YAML,
or with a bad field; the message names the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from launcher.runfile import AppSpec, RunFile, load_runfile

__all__ = [
    "HUB_APP_ID",
    "MANIFEST_NAME",
    "Agent",
    "AgentManifest",
    "DeclarationError",
    "Language",
    "agent_ids",
    "load_agents",
    "load_manifest",
    "pubsub_agents_env",
]

HUB_APP_ID = "orchestrator"
MANIFEST_NAME = "agent.yaml"


class DeclarationError(ValueError):
    """An agent's declaration cannot be read; the message names the file to fix."""


class Language(StrEnum):
    """The agent's language: `other` for any the repository has no template of."""

    PYTHON = "python"
    TYPESCRIPT = "typescript"
    GO = "go"
    OTHER = "other"


class AgentManifest(BaseModel):
    """`agents/<app-id>/agent.yaml`: what dapr.yaml cannot say about an agent."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    language: Language
    build: str | None = Field(
        default=None,
        min_length=1,
        description="Shell command (bash -c) run in the agent's folder by `make bootstrap`.",
    )
    test: str | None = Field(
        default=None,
        min_length=1,
        description="Shell command (bash -c) run in the agent's folder by `make test`.",
    )
    containerfile: str = Field(
        min_length=1,
        description="Path of its image's Containerfile, from the repository root "
        "(a per-language one under containers/, or the agent's own).",
    )


@dataclass(frozen=True)
class Agent:
    """One declared agent: its dapr.yaml entry and its manifest."""

    app: AppSpec
    manifest: AgentManifest
    folder: Path  # agents/<app-id>, absolute

    @property
    def app_id(self) -> str:
        return self.app.app_id


def load_manifest(path: Path) -> AgentManifest:
    """Parse `path` (an agent.yaml). Raises DeclarationError naming the file."""
    if not path.is_file():
        raise DeclarationError(
            f"{path} is missing: every app of dapr.yaml but the orchestrator needs one "
            "(language, build, test, containerfile; see docs/any-language.md)"
        )
    try:
        return AgentManifest.model_validate(yaml.safe_load(path.read_text()))
    except (yaml.YAMLError, ValidationError) as exc:
        raise DeclarationError(f"{path}: {exc}") from exc


def load_agents(root: Path, runfile: RunFile | None = None) -> list[Agent]:
    """Every agent declared under `root` (the repository), in dapr.yaml's order."""
    declared = runfile or load_runfile(root / "dapr.yaml")
    agents = []
    for app in declared.apps:
        if app.app_id == HUB_APP_ID:
            continue
        folder = root / "agents" / app.app_id
        agents.append(Agent(app, load_manifest(folder / MANIFEST_NAME), folder))
    return agents


def agent_ids(runfile: RunFile) -> tuple[str, ...]:
    """The app-ids of a run file's agents (every app but the orchestrator)."""
    return tuple(app.app_id for app in runfile.apps if app.app_id != HUB_APP_ID)


def pubsub_agents_env(runfile: RunFile) -> dict[str, str]:
    """ORCHESTRATOR_PUBSUB_AGENTS for the hub of `runfile`: its agents, comma-separated."""
    return {"ORCHESTRATOR_PUBSUB_AGENTS": ",".join(agent_ids(runfile))}
