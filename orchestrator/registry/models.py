"""What the registry's query API returns and accepts."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from orchestrator.ports import AgentId
from orchestrator.registry.policy import Health, Refusal, Registration

__all__ = [
    "AgentList",
    "AgentMatch",
    "AgentView",
    "ExternalRegistration",
    "PullRegistration",
    "RefusalList",
    "SkillView",
]


class SkillView(BaseModel):
    id: str
    name: str
    description: str
    tags: list[str]


class AgentView(BaseModel):
    app_id: str
    name: str
    description: str
    version: str
    contract_version: str
    owner: str
    registration: Registration
    health: Health
    live_instances: int = Field(description="Instances heard from within the heartbeat window.")
    skills: list[SkillView]
    registered_at: datetime
    last_seen: datetime


class AgentList(BaseModel):
    count: int
    agents: list[AgentView]


class AgentMatch(BaseModel):
    score: float
    agent: AgentView


class RefusalList(BaseModel):
    refusals: list[Refusal]


class PullRegistration(BaseModel):
    """Register an agent that does not self-register: the orchestrator fetches its card."""

    model_config = ConfigDict(extra="forbid")

    app_id: AgentId


class ExternalRegistration(BaseModel):
    """Register a third-party A2A agent (no sidecar) by the URL of its card.

    The URL must lie under a base URL of ORCHESTRATOR_EXTERNAL_AGENTS; the
    agent's app-id is that entry's name.
    """

    model_config = ConfigDict(extra="forbid")

    card_url: str = Field(
        min_length=8,
        max_length=2048,
        examples=["https://agents.example.org/wordcount/.well-known/agent-card.json"],
    )
