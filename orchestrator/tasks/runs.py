"""The task being run in this context: its steps, deadline, transport and listeners.

Semantic Kernel runs a plan's function calls in child tasks; they find the
run they belong to through a context variable instead of a parameter SK
would not pass on.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chassis.errors import ServiceError
from orchestrator.ports import ConversationTurn
from orchestrator.tasks.models import Approval, StepStatus, TaskStep
from orchestrator.tasks.transports import AgentTransport

__all__ = ["EventSink", "Outcome", "TaskEvent", "TaskRun", "current_run"]

Outcome = tuple[TaskStep, ServiceError | None]
EventSink = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True)
class TaskEvent:
    """One server-sent event of a streamed task."""

    name: str  # task | plan | step.started | step.finished | answer | error
    data: dict[str, Any]


def _ignore(name: str, data: dict[str, Any]) -> None:
    """No listener."""


@dataclass
class TaskRun:
    """One run of one task (a redelivered asynchronous task is run again, replaying)."""

    task_id: str
    deadline: datetime
    transport: AgentTransport
    step_key: bytes = field(repr=False)  # TaskPolicy.step_id_key
    emit: EventSink = _ignore
    steps: list[Outcome] = field(default_factory=list)
    started: int = 0  # calls started so far: a step's place in the plan
    _positions: list[int] = field(default_factory=list)  # places of the finished steps
    _planned_rounds: set[int] = field(default_factory=set)
    _seen_calls: dict[str, int] = field(default_factory=dict)
    # A task run again after an approval: the steps it answered before are not called
    # again (by step id), and the decisions taken so far.
    answered: dict[str, TaskStep] = field(default_factory=dict)
    approvals: dict[str, Approval] = field(default_factory=dict)
    waiting: list[Approval] = field(default_factory=list)  # asked for in this run
    # The earlier turns of the task's conversation, told to the agents it calls.
    conversation: tuple[ConversationTurn, ...] = ()

    @property
    def paused(self) -> bool:
        """A step of this run waits for a person's approval."""
        return any(s.status is StepStatus.AWAITING_APPROVAL for s, _ in self.steps)

    def report_plan(self, round_: int, calls: list[dict[str, str]]) -> None:
        # Once per round, however many of the round's calls announce it.
        if round_ not in self._planned_rounds:
            self._planned_rounds.add(round_)
            self.emit("plan", {"round": round_, "calls": calls})

    def step_id(self, app_id: str, skill: str | None, text: str) -> str:
        """The same id for the same call when a task is run again, so its answer is reused;
        32 hex digits no one without `step_key` can derive (an agent sees only its own)."""
        call = f"{self.task_id}\n{app_id}\n{skill or ''}\n{text}"
        seen = self._seen_calls.get(call, 0)
        self._seen_calls[call] = seen + 1
        message = f"{call}\n{seen}".encode()
        return hmac.new(self.step_key, message, hashlib.sha256).hexdigest()[:32]

    def record(self, position: int, outcome: Outcome) -> None:
        """Keep steps in plan order, not finishing order."""
        self._positions.append(position)
        self._positions.sort()
        self.steps.insert(self._positions.index(position), outcome)


current_run: ContextVar[TaskRun] = ContextVar("task_run")
