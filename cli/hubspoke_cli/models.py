"""What `hubspoke` reads from the orchestrator's public API (its own models, not the server's).

Only the fields the command line shows; anything else in an answer is ignored,
so a newer orchestrator still parses. Shapes: orchestrator/tasks/models.py
(TaskRecord), orchestrator/registry/models.py (AgentView) and the cross-helper
contract for approvals and pauses.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Agent",
    "AgentList",
    "Approval",
    "ApprovalList",
    "Evaluation",
    "Pause",
    "Problem",
    "Step",
    "Task",
]


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Problem(_Answer):
    """RFC 9457 problem JSON, as the orchestrator answers every error."""

    status: int
    title: str = ""
    detail: str = ""


class Step(_Answer):
    id: str | None = None
    agent: str
    skill: str | None = None
    input: str = ""
    status: str
    output: str | None = None
    error: str | None = None


class Approval(_Answer):
    step_id: str
    agent: str
    skill: str | None = None
    input: str = ""
    requested_at: datetime | None = None
    deadline: datetime | None = None
    decision: str | None = None
    by: str | None = None
    at: datetime | None = None
    comment: str | None = None
    task_id: str | None = None  # in GET /v1/approvals only


class Task(_Answer):
    id: str
    input: str
    status: str
    mode: str = "sync"
    agents: list[str] = Field(default_factory=list)
    steps: list[Step] = Field(default_factory=list)
    output: str | None = None
    error: str | None = None
    created_at: datetime | None = None
    completed_at: datetime | None = None
    approvals: list[Approval] = Field(default_factory=list)

    @property
    def final(self) -> bool:
        return self.status in ("completed", "failed", "rejected", "canceled")


class Pause(_Answer):
    by: str
    reason: str
    at: datetime | None = None


class Evaluation(_Answer):
    state: str
    version: str | None = None


class Skill(_Answer):
    id: str
    name: str = ""
    tags: list[str] = Field(default_factory=list)


class Agent(_Answer):
    app_id: str
    name: str = ""
    version: str = ""
    health: str
    live_instances: int = 0
    skills: list[Skill] = Field(default_factory=list)
    # From the registry's evaluation and pause (newer orchestrators).
    routable: bool | None = None
    paused: Pause | None = None
    evaluation: Evaluation | None = None


class AgentList(_Answer):
    count: int
    agents: list[Agent]


class ApprovalList(_Answer):
    count: int
    approvals: list[Approval]


def problem_of(status: int, body: Any) -> Problem:
    """The problem an error answer states, or one made from its status and text."""
    if isinstance(body, dict) and "status" in body:
        try:
            return Problem.model_validate(body)
        except ValueError:
            pass
    return Problem(status=status, detail=str(body)[:500])
