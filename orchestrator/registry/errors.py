"""Why the registry refuses a request, as named errors (the API maps them to problems).

NotFoundError (404)      AgentNotFound: no registered agent has that app-id
UnprocessableError (422) UnknownAgent: a task names an agent not registered
UpstreamError -> 503     NoAgentAvailable: registered but unhealthy, or none fits
                         AgentEvaluating: its card version is being evaluated
ConflictError (409)      AgentQuarantined: its card version failed an example
                         AgentPaused: an operator paused it
"""

from __future__ import annotations

from chassis.errors import ConflictError, NotFoundError, UnprocessableError, UpstreamError

__all__ = [
    "AgentEvaluating",
    "AgentNotFound",
    "AgentPaused",
    "AgentQuarantined",
    "NoAgentAvailable",
    "UnknownAgent",
]


class AgentNotFound(NotFoundError):
    """No registered agent has that app-id."""


class UnknownAgent(UnprocessableError):
    """A task names an agent that is not registered."""


class NoAgentAvailable(UpstreamError):
    """The agent a task needs is registered but unhealthy, or none can take it."""

    status = 503


class AgentEvaluating(NoAgentAvailable):
    """The agent's card version is still being evaluated: it takes tasks once it passes."""


class AgentQuarantined(ConflictError):
    """The agent's card version failed an evaluation example: no task goes to it."""


class AgentPaused(ConflictError):
    """An operator paused the agent: no task goes to it until it is resumed."""
