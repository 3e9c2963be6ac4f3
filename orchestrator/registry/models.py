"""What the registry's query API returns and accepts."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from orchestrator.ports import AgentId
from orchestrator.registry.evaluation import EvaluationState, ExampleFailure, OperatorAction
from orchestrator.registry.policy import Health, Refusal, Registration

__all__ = [
    "AgentList",
    "AgentMatch",
    "AgentView",
    "EvaluationView",
    "ExternalRegistration",
    "PauseRequest",
    "PullRegistration",
    "RefusalList",
    "ResumeRequest",
    "SkillView",
]


class SkillView(BaseModel):
    id: str
    name: str
    description: str
    tags: list[str]


class EvaluationView(BaseModel):
    """The smoke evaluation of the agent's card version (its examples run over Dapr)."""

    state: EvaluationState
    version: str = Field(description="The card version evaluated.")
    evaluated_at: datetime | None = Field(
        description="When the last run ended (null: none yet, or no examples to run)."
    )
    failure: ExampleFailure | None = Field(
        description="The failed example and the answer it got (or why none came back)."
    )


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
    evaluation: EvaluationView
    paused: OperatorAction | None = Field(description="Who paused it, why, when (null: not).")
    resumed: OperatorAction | None = Field(description="Its last resume, if any.")
    routable: bool = Field(description="Healthy, evaluation passed and not paused: takes tasks.")


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


class PauseRequest(BaseModel):
    """Stop routing tasks to an agent until it is resumed."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500, examples=["answers drift; investigating"])


class ResumeRequest(BaseModel):
    """Route tasks to a paused agent again."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=500)
