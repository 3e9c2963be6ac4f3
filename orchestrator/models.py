"""Task models: what the public API accepts, stores and returns."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from chassis.contract import MAX_INPUT_CHARS

__all__ = ["AgentId", "TaskId", "TaskRecord", "TaskRequest", "TaskStatus", "TaskStep"]

AgentId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
TaskId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]


class TaskStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class TaskRequest(BaseModel):
    """A task submitted to `POST /v1/tasks`."""

    model_config = ConfigDict(extra="forbid")

    input: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_INPUT_CHARS)
    ] = Field(description="What to do, in plain text.", examples=["2+3"])
    agent: AgentId | None = Field(
        default=None, description="Send the task to this agent instead of choosing one."
    )


class TaskStep(BaseModel):
    """One agent call made for a task."""

    agent: str
    skill: str | None = None
    input: str
    status: TaskStatus
    output: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None


class TaskRecord(BaseModel):
    """A task as stored in the state store and returned by the API."""

    id: TaskId
    input: str
    agent: str | None = Field(
        default=None, description="The agent that answered, when exactly one did."
    )
    agents: list[str] = Field(default_factory=list, description="Every agent that answered.")
    steps: list[TaskStep] = Field(default_factory=list)
    status: TaskStatus
    output: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None
    created_at: datetime
    completed_at: datetime | None = None
