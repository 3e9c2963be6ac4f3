"""The orchestrator-agent contract, version 1: the models both sides validate.

Agents serve `POST /v1/invoke` taking `AgentRequest` and answering
`AgentResponse`; the orchestrator sends the task's deadline in the
`Hubspoke-Deadline` header (Unix seconds) and the agent gives up after it.
An agent that understood a task and will not do it has still answered:
HTTP 200 with `outcome: refused` and its `reason`. Non-2xx statuses mean the
agent is unavailable (down, failing, overloaded): only those may be retried,
open a circuit breaker or move the task to another agent.
For asynchronous tasks the same request travels as `AgentWork` on the
agent's own topic `agent.requests.<app-id>`, and the agent publishes an
`AgentResult` on `agent.results`, using the work's message id as its own.
The orchestrator publishes `TaskCompleted` on `task.completed`. Poison
messages go to `tasks.deadletter`. Changing a field here is a contract change.
"""

from __future__ import annotations

import time
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "AGENT_INVOKE_METHOD",
    "AGENT_RESULTS_TOPIC",
    "CONTRACT_VERSION",
    "DEADLINE_HEADER",
    "DEAD_LETTER_TOPIC",
    "REGISTRY_TOPIC",
    "TASKS_REQUESTED_TOPIC",
    "TASK_COMPLETED_TOPIC",
    "AgentRequest",
    "AgentResponse",
    "AgentResult",
    "AgentWork",
    "CloudEvent",
    "Outcome",
    "RegistrationKind",
    "RegistrationMessage",
    "TaskCompleted",
    "agent_requests_topic",
    "deadline_headers",
    "remaining_seconds",
]

CONTRACT_VERSION = "hubspoke.agent/v1"
AGENT_INVOKE_METHOD = "v1/invoke"
TASK_COMPLETED_TOPIC = "task.completed"
# Agents announce themselves here; they never need the right to invoke the orchestrator.
REGISTRY_TOPIC = "agents.registry"
# Asynchronous tasks: the orchestrator's own queue, per-agent work, results, poison.
TASKS_REQUESTED_TOPIC = "tasks.requested"
AGENT_RESULTS_TOPIC = "agent.results"
DEAD_LETTER_TOPIC = "tasks.deadletter"
DEADLINE_HEADER = "Hubspoke-Deadline"

MAX_INPUT_CHARS = 20_000

T = TypeVar("T")


class AgentRequest(BaseModel):
    """What the orchestrator sends an agent."""

    model_config = ConfigDict(extra="forbid")

    task_id: str = Field(min_length=1, max_length=64)
    input: str = Field(min_length=1, max_length=MAX_INPUT_CHARS)


class Outcome(StrEnum):
    """How an agent ended a task it understood (A2A's task states later: refused = rejected)."""

    COMPLETED = "completed"
    REFUSED = "refused"  # the input is the problem: no retry, no other agent


class AgentResponse(BaseModel):
    """What an agent answers: a text output plus optional structured data, or a refusal."""

    agent: str
    output: str
    data: dict[str, Any] = Field(default_factory=dict)
    outcome: Outcome = Outcome.COMPLETED
    reason: str | None = Field(default=None, description="Why the agent refused (required then).")

    @model_validator(mode="after")
    def _refusal_says_why(self) -> AgentResponse:
        if self.outcome is Outcome.REFUSED and not self.reason:
            raise ValueError("a refused answer must give its reason")
        return self

    @classmethod
    def refused(cls, agent: str, reason: str, data: dict[str, Any] | None = None) -> AgentResponse:
        """The answer of an agent that will not do the task, saying why."""
        return cls(agent=agent, output="", data=data or {}, outcome=Outcome.REFUSED, reason=reason)


def deadline_headers(deadline: datetime) -> dict[str, str]:
    """The header that carries a task's deadline to an agent."""
    return {DEADLINE_HEADER: f"{deadline.timestamp():.3f}"}


def remaining_seconds(deadline: datetime) -> float:
    """Seconds left before `deadline` (negative once past)."""
    return deadline.timestamp() - time.time()


def agent_requests_topic(app_id: str) -> str:
    """The topic an agent takes asynchronous work from (only it may subscribe)."""
    return f"agent.requests.{app_id}"


class AgentWork(BaseModel):
    """An `AgentRequest` sent over pub/sub, with what the answer must quote back."""

    model_config = ConfigDict(extra="forbid")

    task_id: str = Field(min_length=1, max_length=64)
    step_id: str = Field(pattern=r"^[0-9a-f]{32,64}$")
    agent: str = Field(description="The app-id the work is addressed to.")
    input: str = Field(min_length=1, max_length=MAX_INPUT_CHARS)
    deadline: datetime


class AgentResult(BaseModel):
    """An agent's answer to `AgentWork`: its response (completed or refused), or the HTTP
    status and reason it failed."""

    task_id: str
    step_id: str
    agent: str
    response: AgentResponse | None = None
    status: int = 200
    error: str | None = None


class TaskCompleted(BaseModel):
    """Published once a task has reached a final state."""

    task_id: str
    agent: str  # the agent that answered, or "orchestrator" when several or none did
    agents: list[str] = Field(default_factory=list)
    status: str
    completed_at: datetime


class RegistrationKind(StrEnum):
    REGISTER = "register"
    HEARTBEAT = "heartbeat"
    DEREGISTER = "deregister"


class RegistrationMessage(BaseModel):
    """Published by an agent instance on `agents.registry`.

    Heartbeats carry the card too, so an orchestrator that lost the record
    (or removed it after a partition) gets it back without a restart.
    """

    kind: RegistrationKind
    app_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    instance_id: str = Field(min_length=1, max_length=64)
    card: dict[str, Any] | None = None
    sent_at: datetime


class CloudEvent(BaseModel, Generic[T]):
    """The CloudEvents 1.0 envelope Dapr delivers pub/sub messages in."""

    model_config = ConfigDict(extra="allow")

    id: str
    source: str
    type: str
    specversion: str
    topic: str | None = None
    pubsubname: str | None = None
    traceparent: str | None = None
    data: T
