"""A message sent in an existing task (A2A `taskId`): the input a waiting task asked for.

A Hubspoke task waits for input only while a step waits for a person's
approval (`input-required`, orchestrator/tasks/approvals.py). The next
message in that task gives the decision, as an operator's
`POST /v1/tasks/{id}/approvals/{step}` would, for every step waiting:

    text "approve" / "approved" / "yes"      -> approve
    text "reject" / "rejected" / "no"        -> reject   (words after it: the comment)
    a data part {"decision": "approve" | "reject", "comment": "..."}

Refused with the A2A 1.0 errors (specification section 3.4 and 3.3.2):
TaskNotFoundError for a task the caller cannot see; UnsupportedOperationError
for a task in a terminal state (completed, failed, rejected), one not
waiting for input, or a caller who is not an operator (deciding is
theirs); InvalidParamsError for a contextId other than the task's, or a
message that is neither decision.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Protocol

from a2a.types import Message
from a2a.utils.errors import InvalidParamsError, UnsupportedOperationError
from google.protobuf.json_format import MessageToDict
from pydantic import ValidationError

from chassis.contract import remaining_seconds
from chassis.errors import ServiceError
from orchestrator.callers import Caller
from orchestrator.tasks.models import ApprovalDecision, TaskRecord, TaskStatus

__all__ = ["TaskApprovals", "TaskReader", "continue_task", "decision_of"]

_WORDS = re.compile(
    r"^\s*(?P<word>approve[sd]?|yes|reject(?:s|ed)?|no)\b[\s:,.!-]*(?P<comment>.*?)\s*$",
    re.I | re.S,
)
# How often a blocking message re-reads the task it resumed.
_POLL_S = 0.2


class TaskApprovals(Protocol):
    """The approval service, as a message in a task uses it (tasks/approvals.py)."""

    async def decide(
        self, task_id: str, step_id: str, body: ApprovalDecision, *, by: str
    ) -> TaskRecord: ...


class TaskReader(Protocol):
    """Reads a stored task (the task service): TaskNotFound if there is none."""

    async def get(self, task_id: str) -> TaskRecord: ...


def decision_of(message: Message) -> ApprovalDecision | None:
    """The decision a message gives (see the module docstring), or None."""
    for part in message.parts:
        kind = part.WhichOneof("content")
        if kind == "data":
            data = MessageToDict(part.data)
            if isinstance(data, dict) and "decision" in data:
                try:
                    return ApprovalDecision.model_validate(data)
                except ValidationError as exc:
                    raise InvalidParamsError(message=f"the data part's decision: {exc}") from None
        if kind == "text" and (match := _WORDS.match(part.text)):
            word = match["word"].lower()
            approve = word.startswith("approve") or word == "yes"
            return ApprovalDecision(
                decision="approve" if approve else "reject", comment=match["comment"] or None
            )
    return None


def _check_waiting(task: TaskRecord, message: Message, caller: Caller) -> ApprovalDecision:
    if message.context_id and message.context_id != (task.context_id or task.id):
        raise InvalidParamsError(
            message=f"contextId {message.context_id!r} is not the context of task {task.id}"
        )
    if task.status.final:
        raise UnsupportedOperationError(
            message=f"task {task.id} is {task.status}, a terminal state: it takes no more "
            "messages; send a new message without taskId"
        )
    if task.status is not TaskStatus.INPUT_REQUIRED:
        raise UnsupportedOperationError(
            message=f"task {task.id} is {task.status}: it takes a message only while it "
            "waits for input"
        )
    if not caller.is_operator:
        raise UnsupportedOperationError(
            message=f"task {task.id} waits for an operator's approval; only an operator may give it"
        )
    decision = decision_of(message)
    if decision is None:
        raise InvalidParamsError(
            message='task waits for approval: reply "approve" or "reject", or a data part '
            '{"decision": "approve" | "reject"}'
        )
    return decision


async def continue_task(
    task: TaskRecord,
    message: Message,
    caller: Caller,
    *,
    approvals: TaskApprovals,
    tasks: TaskReader,
    wait: bool,
) -> TaskRecord:
    """Decide every waiting approval of `task` (as read by `caller`) from `message`.

    With `wait`, returns once the task, run again, is final or waits again (or
    its deadline passes); else the task as the decision left it. Raises the
    A2A errors of the module docstring; a decision the approval service
    refuses (decided already, deadline passed) is UnsupportedOperationError.
    """
    decision = _check_waiting(task, message, caller)
    current = task
    try:
        for approval in task.approvals:
            if approval.decision is None:
                current = await approvals.decide(
                    task.id, approval.step_id, decision, by=caller.name
                )
    except ServiceError as refusal:
        raise UnsupportedOperationError(message=refusal.detail) from refusal
    if not wait:
        return current
    return await _settled(tasks, current)


async def _settled(tasks: TaskReader, task: TaskRecord) -> TaskRecord:
    """The task once final or waiting for input again, or as it is at its deadline."""
    deadline = time.monotonic() + (remaining_seconds(task.deadline) if task.deadline else 30.0)
    while True:
        task = await tasks.get(task.id)
        settled = task.status.final or task.status is TaskStatus.INPUT_REQUIRED
        if settled or time.monotonic() >= deadline:
            return task
        await asyncio.sleep(_POLL_S)
