"""Task models: what the public API accepts, stores and returns."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from chassis.contract import MAX_INPUT_CHARS
from orchestrator.ports import AgentId

__all__ = [
    "MIN_DEADLINE_SECONDS",
    "AgentId",
    "Approval",
    "ApprovalDecision",
    "ApprovalList",
    "ApprovalRequest",
    "DeadLetter",
    "DeadLetterList",
    "Decision",
    "QueuedTask",
    "StepStatus",
    "TaskId",
    "TaskList",
    "TaskMode",
    "TaskRecord",
    "TaskRequest",
    "TaskStatus",
    "TaskStep",
    "TaskTrace",
    "TraceSpan",
]

TaskId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
# An A2A contextId (a client may make its own: a UUID, or any id of these characters).
ContextId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")]
# A planned task through two sidecars takes milliseconds, but its first plan, a
# failover or a loaded machine take longer: a budget under a second would end in
# 504 for reasons the caller cannot see, so it is refused up front (422).
MIN_DEADLINE_SECONDS = 1.0


class TaskStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    INPUT_REQUIRED = "input_required"  # a step waits for a person's approval
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELED = "canceled"  # by its owner or an operator (orchestrator/tasks/cancellation.py)

    @property
    def final(self) -> bool:
        return self in (TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELED)


class StepStatus(StrEnum):
    """How one agent call of a task ended."""

    COMPLETED = "completed"
    FAILED = "failed"  # no answer: the agent was down, failing, too slow, or not called
    REFUSED = "refused"  # the agent (or the person asked to approve it) will not do this part
    AWAITING_APPROVAL = "awaiting_approval"  # not called yet: a person must approve it first


class TaskMode(StrEnum):
    SYNC = "sync"  # answer in the response; agents called by service invocation
    ASYNC = "async"  # 202 at once; work and results travel over pub/sub


class TaskRequest(BaseModel):
    """A task submitted to `POST /v1/tasks`.

    Strict where JSON could be read two ways: `deadline_seconds` takes a JSON
    number only (`true` or `"5"` are refused, not read as 1 or 5 s). Its upper
    bound is the configured maximum (ORCHESTRATOR_MAX_TASK_DEADLINE_SECONDS):
    the service enforces it and the API document states it (`document_limits`).
    """

    model_config = ConfigDict(extra="forbid")

    input: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=1, max_length=MAX_INPUT_CHARS, pattern=r"\S"
        ),
    ] = Field(description="What to do, in plain text.", examples=["2+3"])
    agent: AgentId | None = Field(
        default=None, description="Send the task to this agent instead of choosing one."
    )
    mode: TaskMode = Field(
        default=TaskMode.SYNC,
        description="`async`: answer 202 with the task id at once; poll GET /v1/tasks/{id}.",
    )
    deadline_seconds: (
        Annotated[
            float,
            Field(strict=True, ge=MIN_DEADLINE_SECONDS, allow_inf_nan=False),
        ]
        | None
    ) = Field(
        default=None,
        description=(
            "The task's time budget in seconds, from acceptance to answer; default 30 "
            "(sync) or 300 (async), at most the configured maximum."
        ),
    )
    context_id: ContextId | None = Field(
        default=None,
        description=(
            "Continue this conversation (A2A contextId): the planner is told its earlier "
            "turns, and this task becomes its next turn. A new id starts one; only the "
            "caller that started a conversation continues it (else 403)."
        ),
        examples=["6f1c2e0a9b7d4c3e8f5a1b2c3d4e5f60"],
    )


class TaskStep(BaseModel):
    """One agent call made for a task."""

    id: str | None = Field(
        default=None, description="The call's id: the message id of asynchronous work."
    )
    agent: str
    skill: str | None = None
    input: str
    arguments: dict[str, Any] = Field(
        default_factory=dict,
        description="The skill's structured arguments the planner filled, sent beside the input.",
    )
    status: StepStatus
    output: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None


Decision = Literal["approved", "rejected"]


class Approval(BaseModel):
    """A person's approval one step needs before its agent is called.

    `decision` is null while it waits; `by` and `at` say who decided and when
    (UTC); a deadline that passes first ends it `rejected` by `orchestrator`.
    """

    step_id: str
    agent: str
    skill: str | None = None
    input: str
    requested_at: datetime
    deadline: datetime
    decision: Decision | None = None
    by: str | None = None
    at: datetime | None = None
    comment: str | None = None


class ApprovalDecision(BaseModel):
    """The body of `POST /v1/tasks/{task_id}/approvals/{step_id}`."""

    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "reject"]
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = None


class ApprovalRequest(Approval):
    """A waiting approval, with the task it belongs to (GET /v1/approvals)."""

    task_id: str


class ApprovalList(BaseModel):
    """Every approval waiting for a decision, oldest first."""

    count: int
    approvals: list[ApprovalRequest] = Field(default_factory=list)


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
    mode: TaskMode = TaskMode.SYNC
    requested_agent: str | None = Field(default=None, description="The agent the caller named.")
    context_id: str | None = Field(
        default=None, description="The conversation (A2A contextId) the task is a turn of."
    )
    owner: str | None = Field(
        default=None,
        description=(
            "The caller that created the task (an API key's name, a token's oid): only it "
            "and operators read the task."
        ),
    )
    deadline: datetime | None = None
    output: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None
    error_status: int | None = Field(
        default=None,
        description=(
            "Why a failed task failed, as the HTTP status its failure maps to: 4xx, the "
            "request was refused (no agent can do it, an agent rejected it); 5xx, the system "
            "did not answer (an agent failed, the deadline passed)."
        ),
    )
    created_at: datetime
    completed_at: datetime | None = None
    trace_id: str | None = Field(
        default=None,
        description="The W3C trace id of the request that created the task (32 hex digits).",
    )
    approvals: list[Approval] = Field(
        default_factory=list, description="Steps that need (or needed) a person's approval."
    )

    def approval(self, step_id: str) -> Approval | None:
        """The approval of one step, if it needs one."""
        return next((a for a in self.approvals if a.step_id == step_id), None)


class DeadLetter(BaseModel):
    """A message that reached the dead-letter topic, and what it did to its task."""

    message_id: str
    topic: str | None = Field(default=None, description="Where it was published first.")
    source: str | None = Field(default=None, description="The app that published it.")
    task_id: str | None = None
    reason: str
    arrived: bool = Field(default=False, description="It reached the dead-letter topic.")
    received_at: datetime


class DeadLetterList(BaseModel):
    """The newest dead letters, newest first (a bounded log)."""

    dead_letters: list[DeadLetter] = Field(default_factory=list)


class QueuedTask(BaseModel):
    """The message on `tasks.requested`: the task itself waits in the state store."""

    task_id: str


class TaskList(BaseModel):
    """Recent tasks, newest first (`GET /v1/tasks`)."""

    count: int
    tasks: list[TaskRecord]


class TraceSpan(BaseModel):
    """One span of a task's trace, as the trace query backend recorded it."""

    span_id: str
    parent_span_id: str | None = Field(default=None, description="None for the trace's root.")
    name: str
    service: str
    process: str | None = Field(default=None, description="`app` or `daprd` (its sidecar).")
    kind: str
    start_unix_nano: int
    end_unix_nano: int
    status: str | None = Field(default=None, description="The span's error message, if any.")


class TaskTrace(BaseModel):
    """A task's trace: its spans, earliest first (`GET /v1/tasks/{id}/trace`)."""

    trace_id: str
    spans: list[TraceSpan]
