"""What the task service needs from outside it: the registry, the planner, and its bounds."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Annotated, Any, Protocol

from pydantic import BaseModel, Field, StringConstraints

from chassis.contract import MAX_INPUT_CHARS
from chassis.paths import method_ambiguity

__all__ = [
    "AgentDirectory",
    "AgentId",
    "AgentRoute",
    "AgentSkill",
    "ConversationMemory",
    "ConversationTurn",
    "ExampleAnswer",
    "ExampleRunner",
    "PlanObserver",
    "SkillCall",
    "TaskPlanner",
    "TaskPolicy",
    "plan_observer",
    "plan_paused",
]


AgentId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]

# Told the calls of each planning round: [{"function": "calculator-arithmetic", "input": ...}]
PlanObserver = Callable[[int, list[dict[str, str]]], None]
plan_observer: ContextVar[PlanObserver | None] = ContextVar("plan_observer", default=None)
# Asked after each round of calls: true when a call must wait for a person's approval,
# so the plan stops there (it is run again, replaying its answered calls, once decided).
plan_paused: ContextVar[Callable[[], bool] | None] = ContextVar("plan_paused", default=None)


@dataclass(frozen=True)
class AgentSkill:
    """One skill of one registered agent, as the planner offers it to the model."""

    app_id: str
    skill_id: str
    description: str
    tags: tuple[str, ...]
    name: str = ""  # the card's display name of the skill
    examples: tuple[str, ...] = ()
    approval: bool = False  # the card says its calls need a person's approval
    # The card's argumentsSchema (JSON Schema of the structured arguments), if any.
    arguments_schema: dict[str, Any] | None = field(default=None, hash=False)


@dataclass(frozen=True)
class AgentRoute:
    """Where A2A calls to one agent go through the orchestrator's own sidecar:
    `/v1.0/invoke/<target>/method/<path>`."""

    target: str  # the agent's Dapr app-id, or the HTTPEndpoint name of an external agent
    path: str  # its A2A JSON-RPC path on that target: "a2a" for Hubspoke agents

    def __post_init__(self) -> None:
        # The path is the method the target's sidecar authorises: it must route as it reads.
        reason = method_ambiguity(self.path)
        if reason is not None:
            raise ValueError(f"A2A path {self.path!r} of {self.target!r} holds {reason}")


class AgentDirectory(Protocol):
    """The registry, as tasks see it."""

    def choose(self, text: str, requested: str | None) -> str:
        """The app-id of a healthy agent for `text` (or the one requested); raises if none."""
        ...

    def ensure_available(self, app_id: str, *, queued: bool = False) -> None:
        """Raise unless the agent is registered and healthy (`queued`: work that waits
        in the agent's pub/sub topic needs no health, only a registered agent
        that nothing holds back)."""
        ...

    def route(self, app_id: str) -> AgentRoute:
        """Where A2A calls to the agent go (its app-id and `a2a` unless external)."""
        ...

    def plannable_skills(self) -> list[AgentSkill]:
        """Every skill the planner may call."""
        ...

    def alternatives(self, skill: str, *, exclude: str) -> list[str]:
        """Other healthy agents offering `skill`."""
        ...


@dataclass(frozen=True)
class ExampleAnswer:
    """How an agent answered one evaluation example."""

    state: str  # the A2A task state it ended in: "completed", "rejected", "failed", ...
    text: str  # the answer's text parts (completed), else the status message's


class ExampleRunner(Protocol):
    """Tasks' A2A path, as the registry's evaluation uses it (the same client and sidecar)."""

    async def run(
        self, route: AgentRoute, skill: str, text: str, timeout_s: float
    ) -> ExampleAnswer:
        """Send `text` to `skill` at `route` as one A2A message and wait for the task it ends in.

        Raises `chassis.dapr.DaprError` when no A2A task comes back (unreachable, timed
        out, or outside the protocol).
        """
        ...


@dataclass(frozen=True)
class ConversationTurn:
    """One finished exchange of a conversation: what the caller asked, what it got."""

    request: str
    answer: str
    task_id: str = ""  # the task that answered it


class ConversationMemory(Protocol):
    """The conversations (A2A contexts) tasks continue: orchestrator/conversations/."""

    async def recall(self, context_id: str, owner: str | None) -> list[ConversationTurn]:
        """The turns so far, oldest first ([] for a new context); raises
        `ConversationForbidden` (403) when another caller started it."""
        ...

    async def remember(self, context_id: str, owner: str | None, turn: ConversationTurn) -> None:
        """Add a finished turn (the oldest ones dropped past the bounds)."""
        ...


class TaskPlanner(Protocol):
    """The AI layer: answers a request by calling agent skills."""

    def refresh(self, skills: Sequence[AgentSkill]) -> None: ...

    async def answer(self, request: str, history: Sequence[ConversationTurn] = ()) -> str: ...


# (app_id, skill, input, structured arguments) -> awaitable output
SkillCall = Callable[[str, str, str, dict[str, Any]], Any]


class TaskPolicy(BaseModel):
    """Bounds every task is held to."""

    max_steps: int = 8
    max_input_chars: int = MAX_INPUT_CHARS  # a task's input, in characters
    deadline_s: float = 30.0
    async_deadline_s: float = 300.0
    max_deadline_s: float = 600.0
    # Calls of skills with any of these tags need a person's approval (besides the
    # skills whose card says so).
    approval_tags: frozenset[str] = frozenset()
    # The secret step ids are derived with (HMAC-SHA256): agents cannot compute another
    # agent's step ids from a task id and an input. Replicas share it (so a task run
    # again elsewhere reuses its steps' answers); a process without one makes its own.
    step_id_key: bytes = Field(default_factory=lambda: secrets.token_bytes(32), repr=False)
