"""The orchestrator-agent contract, version 1: the models both sides validate.

Agents serve `POST /v1/invoke` taking `AgentRequest` and answering
`AgentResponse`. The orchestrator publishes `TaskCompleted` on the
`task.completed` topic. Changing a field here is a contract change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AGENT_INVOKE_METHOD",
    "CONTRACT_VERSION",
    "TASK_COMPLETED_TOPIC",
    "AgentRequest",
    "AgentResponse",
    "CloudEvent",
    "TaskCompleted",
]

CONTRACT_VERSION = "hubspoke.agent/v1"
AGENT_INVOKE_METHOD = "v1/invoke"
TASK_COMPLETED_TOPIC = "task.completed"

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
    agent: str
    status: str
    completed_at: datetime


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
