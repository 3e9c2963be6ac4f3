"""Why a task, or one of its agent calls, did not succeed.

Exception tree (all `chassis.errors.ServiceError`, so each maps to HTTP):

    TaskNotFound          404  no task with that id was stored
    AgentRejectedTask     422  the agent says it cannot act on the input
    PlanTooLong           422  the plan asked for more agent calls than allowed
    AgentUnavailable      502  the agent is down, failing, or broke the contract
    NoAgentCalled         503  the plan called no agent at all
    QueueUnavailable      503  an asynchronous task could not be queued
    DeadlineExceeded      504  the task's deadline passed
"""

from __future__ import annotations

from chassis.errors import NotFoundError, UnprocessableError, UpstreamError

__all__ = [
    "AgentRejectedTask",
    "AgentUnavailable",
    "DeadlineExceeded",
    "NoAgentCalled",
    "PlanTooLong",
    "QueueUnavailable",
    "TaskNotFound",
    "rejects_input",
]


class TaskNotFound(NotFoundError):
    """No task with that id was stored."""


class AgentRejectedTask(UnprocessableError):
    """The agent answered that it cannot act on the input (4xx)."""


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
