"""The orchestrator-agent contract, version 1: the models both sides validate.

Agents serve `POST /v1/invoke` taking `AgentRequest` and answering
`AgentResponse`. The orchestrator publishes `TaskCompleted` on the
`task.completed` topic. Changing a field here is a contract change.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AGENT_INVOKE_METHOD",
    "CONTRACT_VERSION",
    "REGISTRY_TOPIC",
    "TASK_COMPLETED_TOPIC",
    "AgentRequest",
    "AgentResponse",
    "CloudEvent",
    "RegistrationKind",
    "RegistrationMessage",
    "TaskCompleted",
]

CONTRACT_VERSION = "hubspoke.agent/v1"
AGENT_INVOKE_METHOD = "v1/invoke"
TASK_COMPLETED_TOPIC = "task.completed"
# Agents announce themselves here; they never need the right to invoke the orchestrator.
REGISTRY_TOPIC = "agents.registry"

MAX_INPUT_CHARS = 20_000

T = TypeVar("T")


class AgentRequest(BaseModel):
    """What the orchestrator sends an agent."""

    model_config = ConfigDict(extra="forbid")

    task_id: str = Field(min_length=1, max_length=64)
    input: str = Field(min_length=1, max_length=MAX_INPUT_CHARS)


class AgentResponse(BaseModel):
    """What an agent answers: a text output plus optional structured data."""

    agent: str
    output: str
    data: dict[str, Any] = Field(default_factory=dict)


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
