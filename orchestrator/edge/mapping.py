"""Hubspoke tasks in A2A terms: a request from a Message, a stored task as an A2A Task.

State mapping (TaskRecord.status -> A2A TaskState):

    queued     -> submitted
    running    -> working
    input_required -> input-required   a step waits for a person's approval: the status
                              message names it; decide with POST
                              /v1/tasks/{id}/approvals/{step_id} (or the console),
                              or an operator's message in the task (continuation.py)
    canceled   -> canceled    (CancelTask, POST /v1/tasks/{id}/cancel)
    completed  -> completed   artifact "answer": a text part (the answer), and a
                              data part when one agent's structured data came back
    failed     -> rejected    when its error_status is 4xx: the request was refused
                              (no agent can do it, an agent refused its part)
               -> failed      otherwise (an agent failed, the deadline passed)

The A2A task id is the Hubspoke task id. Its contextId is the message's, or
a new one the hub makes when the message has none: a follow-up message with
that contextId continues the conversation (orchestrator/conversations/). The
task's agents and steps travel in `metadata.hubspoke`. Its `history` is the
request (a user message) and the agent's messages (the answer, or the status
message of a failed or waiting task), trimmed to the last `historyLength` of
them when the caller asks (A2A 1.0, 3.2.4: 0 means none, absent means all);
earlier turns of the conversation are tasks of their own.
"""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from a2a.types import Message, Task, TaskStatusUpdateEvent
from a2a.utils.errors import (
    ContentTypeNotSupportedError,
    InvalidParamsError,
    UnsupportedOperationError,
)
from a2a.utils.task import HistoryLengthConfig, apply_history_length, validate_history_length
from google.protobuf.json_format import MessageToDict, ParseDict
from google.protobuf.message import Message as ProtoMessage
from pydantic import ValidationError

from orchestrator.tasks.models import TaskMode, TaskRecord, TaskRequest, TaskStatus
from orchestrator.tasks.runs import TaskEvent

__all__ = ["ANSWER_ARTIFACT", "progress", "task_request", "to_a2a_task", "working_task"]

ANSWER_ARTIFACT = "answer"
_M = TypeVar("_M", bound=ProtoMessage)
_STATES = {
    TaskStatus.QUEUED: "TASK_STATE_SUBMITTED",
    TaskStatus.RUNNING: "TASK_STATE_WORKING",
    TaskStatus.INPUT_REQUIRED: "TASK_STATE_INPUT_REQUIRED",
    TaskStatus.COMPLETED: "TASK_STATE_COMPLETED",
    TaskStatus.CANCELED: "TASK_STATE_CANCELED",
}


def task_request(message: Message, *, queue: bool, max_parts: int) -> TaskRequest:
    """The task a message asks for: its text parts (at most `max_parts`), joined, are the input.

    `metadata.hubspoke` may name an agent (`agent`) and a budget
    (`deadlineSeconds`), as `POST /v1/tasks` takes them. Raises
    InvalidParamsError, ContentTypeNotSupportedError or UnsupportedOperationError.
    """
    if message.task_id:
        raise UnsupportedOperationError(
            message="a Hubspoke task takes one message and ends; send a new message without taskId"
        )
    if len(message.parts) > max_parts:
        raise InvalidParamsError(
            message=f"the message has {len(message.parts)} parts; at most {max_parts} are taken"
        )
    texts = [part.text for part in message.parts if part.WhichOneof("content") == "text"]
    if len(texts) != len(message.parts):
        raise ContentTypeNotSupportedError(message="send the request as text parts only")
    options = _hubspoke_metadata(message)
    try:
        return TaskRequest(
            input="\n".join(texts),
            context_id=message.context_id or uuid.uuid4().hex,
            agent=options.get("agent"),
            deadline_seconds=options.get("deadlineSeconds"),
            mode=TaskMode.ASYNC if queue else TaskMode.SYNC,
        )
    except ValidationError as exc:
        detail = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'message'}: {e['msg']}" for e in exc.errors()
        )
        raise InvalidParamsError(message=detail) from None


def _hubspoke_metadata(message: Message) -> dict[str, Any]:
    options = MessageToDict(message.metadata).get("hubspoke", {})
    if not isinstance(options, dict):
        raise InvalidParamsError(message="metadata.hubspoke must be an object")
    return options


def _parsed(raw: dict[str, Any], message: _M) -> _M:
    """`message`, filled from proto JSON."""
    ParseDict(raw, message)
    return message


def _state(task: TaskRecord) -> str:
    if task.status is not TaskStatus.FAILED:
        return _STATES[task.status]
    refused = task.error_status is not None and 400 <= task.error_status < 500
    return "TASK_STATE_REJECTED" if refused else "TASK_STATE_FAILED"


def _agent_message(
    task_id: str, text: str, message_id: str | None = None, *, context_id: str | None = None
) -> dict[str, Any]:
    return {
        "messageId": message_id or uuid.uuid4().hex,
        "contextId": context_id or task_id,
        "taskId": task_id,
        "role": "ROLE_AGENT",
        "parts": [{"text": text}],
    }


def _history(task: TaskRecord, status: dict[str, Any]) -> list[dict[str, Any]]:
    """The request, then what the agent said; ids derived from the task's, so a message
    keeps its id from one read to the next."""
    context = task.context_id or task.id
    request = {
        **_agent_message(task.id, task.input, f"{task.id}-request", context_id=context),
        "role": "ROLE_USER",
    }
    if task.status is TaskStatus.COMPLETED:
        answer = _agent_message(task.id, task.output or "", f"{task.id}-answer", context_id=context)
        return [request, answer]
    if "message" in status:
        return [request, status["message"]]
    return [request]


def to_a2a_task(task: TaskRecord, *, history: HistoryLengthConfig | None = None) -> Task:
    """A stored Hubspoke task as an A2A Task (see the module docstring); `history` is the
    request's configuration holding `historyLength` (InvalidParamsError when negative)."""
    validate_history_length(history)
    said = f"{task.id}-status"
    context = task.context_id or task.id
    status: dict[str, Any] = {
        "state": _state(task),
        "timestamp": (task.completed_at or task.created_at).isoformat(),
    }
    if task.status is TaskStatus.FAILED:
        status["message"] = _agent_message(
            task.id, task.error or "the task failed", said, context_id=context
        )
    if task.status is TaskStatus.INPUT_REQUIRED:
        status["message"] = _agent_message(task.id, _waiting_text(task), said, context_id=context)
    raw: dict[str, Any] = {
        "id": task.id,
        "contextId": context,
        "status": status,
        "history": _history(task, status),
        "metadata": {
            "hubspoke": {
                "agents": task.agents,
                "steps": [s.model_dump(mode="json") for s in task.steps],
                **(
                    {"approvals": [a.model_dump(mode="json") for a in task.approvals]}
                    if task.approvals
                    else {}
                ),
            }
        },
    }
    if task.status is TaskStatus.COMPLETED:
        parts: list[dict[str, Any]] = [{"text": task.output or ""}]
        if task.data:
            parts.append({"data": task.data, "mediaType": "application/json"})
        answer = {"artifactId": ANSWER_ARTIFACT, "name": ANSWER_ARTIFACT, "parts": parts}
        raw["artifacts"] = [answer]
    return apply_history_length(_parsed(raw, Task()), history)


def _waiting_text(task: TaskRecord) -> str:
    waiting = [a for a in task.approvals if a.decision is None]
    calls = "; ".join(
        f"step {a.step_id}: {a.agent}" + (f" ({a.skill})" if a.skill else "") for a in waiting
    )
    return f"waiting for a person's approval of {calls or 'a step'}"


def working_task(task_id: str, context_id: str | None = None) -> Task:
    """The first event of a stream: the task exists and runs (in `context_id`)."""
    raw = {
        "id": task_id,
        "contextId": context_id or task_id,
        "status": {"state": "TASK_STATE_WORKING"},
    }
    return _parsed(raw, Task())


def _describe(event: TaskEvent) -> str:
    data = event.data
    if event.name == "plan":
        calls = ", ".join(str(c.get("function")) for c in data.get("calls", []))
        return f"plan (round {data.get('round')}): {calls}"
    if event.name == "step.started":
        skill = f" ({data['skill']})" if data.get("skill") else ""
        return f"calling {data.get('agent')}{skill}"
    if data.get("status") == "completed":
        return f"{data.get('agent')}: {data.get('output') or ''}"
    return f"{data.get('agent')} {data.get('status')}: {data.get('error') or ''}"


def progress(
    task_id: str, event: TaskEvent, context_id: str | None = None
) -> TaskStatusUpdateEvent:
    """A plan or step event of a running task as a `working` status update.

    The text says what happened; `metadata.hubspoke` carries the event as
    `POST /v1/tasks/stream` sends it: {"event": <name>, "data": <its data>}.
    """
    raw = {
        "taskId": task_id,
        "contextId": context_id or task_id,
        "status": {
            "state": "TASK_STATE_WORKING",
            "message": _agent_message(task_id, _describe(event), context_id=context_id),
        },
        "metadata": {"hubspoke": {"event": event.name, "data": event.data}},
    }
    return _parsed(raw, TaskStatusUpdateEvent())
