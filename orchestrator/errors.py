"""Why a task, or one of its agent calls, did not succeed.

Exception tree (all `chassis.errors.ServiceError`, so each maps to HTTP):

    TaskNotFound          404  no task with that id was stored
    ApprovalNotFound      404  the task has no approval for that step
    ApprovalDecided       409  the approval was decided already, or its task ended
    AgentRejectedTask     422  the agent refused the task (the input is the problem)
      ApprovalRefused     422  a person rejected the call, or nobody approved it in time
    ApprovalPending       202  (not an error to the client) the step waits for approval
    PlanTooLong           422  the plan asked for more agent calls than allowed
    AgentUnavailable      502  the agent is down, failing, or broke the contract
    NoAgentCalled         503  the plan called no agent at all
    QueueUnavailable      503  an asynchronous task could not be queued
    DeadlineExceeded      504  the task's deadline passed

Their details are what clients read: they say what happened in our words
(`unavailable_reason`), never Dapr's internal error text, which is logged.
"""

from __future__ import annotations

from chassis.dapr import DaprError, FailedHop, InvocationFailed, SidecarUnavailable
from chassis.errors import (
    ConflictError,
    NotFoundError,
    ServiceError,
    UnprocessableError,
    UpstreamError,
)

__all__ = [
    "AgentRejectedTask",
    "AgentUnavailable",
    "ApprovalDecided",
    "ApprovalNotFound",
    "ApprovalPending",
    "ApprovalRefused",
    "DeadlineExceeded",
    "NoAgentCalled",
    "PlanTooLong",
    "QueueUnavailable",
    "TaskNotFound",
    "rejects_input",
    "unavailable_reason",
]


class TaskNotFound(NotFoundError):
    """No task with that id was stored."""


class AgentRejectedTask(UnprocessableError):
    """The agent refused the task: A2A state `rejected` (or `input-required`), or a 4xx
    from an agent off the chassis."""


class ApprovalNotFound(NotFoundError):
    """The task has no approval for that step."""


class ApprovalDecided(ConflictError):
    """The approval was decided already (first decision wins), or its task has ended."""


class ApprovalRefused(AgentRejectedTask):
    """A person rejected the call, or its task's deadline passed before anyone approved it."""


class ApprovalPending(ServiceError):
    """The step was not run: it waits for a person's approval (the task pauses)."""

    status = 202


class PlanTooLong(UnprocessableError):
    """The plan asked for more agent calls than one task may make."""


class AgentUnavailable(UpstreamError):
    """The agent could not be reached, failed, or answered outside the contract."""


class NoAgentCalled(UpstreamError):
    """The plan called no agent at all."""

    status = 503


class QueueUnavailable(UpstreamError):
    """The task could not be handed to pub/sub; it was not accepted."""

    status = 503


class DeadlineExceeded(UpstreamError):
    """The task's deadline passed before the work was done."""

    status = 504


def rejects_input(status: int) -> bool:
    """Whether an agent's HTTP status means "this input cannot work" rather than "I failed"."""
    return 400 <= status < 500 and status not in (403, 404, 408, 429)


_HOP_WORDS = {
    FailedHop.BREAKER_OPEN: (
        "is not accepting calls right now (too many recent failures); retry in a few seconds"
    ),
    FailedHop.TIMED_OUT: "did not answer within its time limit",
    FailedHop.DENIED: "may not be called by the orchestrator (access control denied the call)",
    FailedHop.UNREACHABLE: "could not be reached",
}


def unavailable_reason(app_id: str, exc: DaprError) -> str:
    """Why a call to `app_id` through our sidecar found no agent to answer it, for a client.

    An app's own non-2xx answer is quoted only when it is problem JSON (its
    `detail` is meant for clients); Dapr's own error bodies are not quoted.
    """
    agent = f"agent {app_id!r}"
    if isinstance(exc, SidecarUnavailable):
        if exc.timed_out:
            return f"{agent} did not answer in time"
        return f"{agent} could not be reached (the orchestrator's sidecar did not answer)"
    if not isinstance(exc, InvocationFailed):
        return f"{agent} could not be reached"
    if exc.hop is not FailedHop.APP:
        return f"{agent} {_HOP_WORDS[exc.hop]}"
    detail = exc.body.get("detail") if isinstance(exc.body, dict) else None
    said = f": {detail}" if isinstance(detail, str) and detail else ""
    return f"{agent} failed (HTTP {exc.status}){said}"
