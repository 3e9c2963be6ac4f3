"""Every agent is an A2A server: the official a2a-sdk serves JSON-RPC at `POST /a2a`,
A2A 1.0 and (for a request without an `A2A-Version` header) 0.3.

The SDK does the protocol (JSON-RPC 2.0 dispatch, SendMessage, GetTask,
CancelTask, the task store); `SkillExecutor` adapts the agent's own skill
handler (`chassis.skills`) to it. One step is one A2A message and ends as
one of these task states:

- `completed`: artifact `answer`, a text part (the output) and, when there is
  structured data, a data part;
- `rejected`: the handler raised `UnprocessableError` (or the message is not
  a step we can read); the status message's text is the reason. The exchange
  itself succeeds (HTTP 200, a JSON-RPC result), so a refusal is never a
  transport error that Dapr would retry or count against a circuit breaker;
- `failed`: the handler crashed ("the agent failed"), or the deadline in
  `metadata.hubspoke.deadline` passed before or while it worked
  ("deadline passed").

Sources: A2A 1.0 task states; a2a-sdk 1.3.0 `a2a.server.agent_execution`,
`a2a.server.request_handlers`, `a2a.server.routes.create_jsonrpc_routes`.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import OrderedDict
from datetime import datetime
from typing import Any

from a2a.helpers.proto_helpers import (
    get_data_parts,
    get_message_text,
    new_data_part,
    new_task,
    new_text_part,
)
from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.server.context import ServerCallContext
from a2a.server.events import EventQueue
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.routes import create_jsonrpc_routes
from a2a.server.tasks import InMemoryTaskStore, TaskStore, TaskUpdater
from a2a.types import (
    AgentCard,
    ListTasksRequest,
    ListTasksResponse,
    Message,
    Part,
    Role,
    Task,
    TaskState,
    TaskStatus,
)
from fastapi import FastAPI
from google.protobuf.json_format import MessageToDict
from pydantic import ValidationError

from chassis.card import A2A_PATH
from chassis.contract import ANSWER_ARTIFACT, remaining_seconds
from chassis.errors import UnprocessableError
from chassis.skills import SkillAnswer, SkillHandler, SkillRequest

__all__ = ["BoundedTaskStore", "SkillExecutor", "failed_task", "mount_a2a"]

log = logging.getLogger(__name__)

DEADLINE_PASSED = "deadline passed"


class _Refused(Exception):
    """The message cannot be a step (no text, bad metadata): rejected with this reason."""


def _hubspoke_metadata(message: Message) -> dict[str, Any]:
    raw = MessageToDict(message.metadata).get("hubspoke", {}) if message.metadata else {}
    if not isinstance(raw, dict):
        raise _Refused("metadata.hubspoke must be an object")
    return raw


def _step(context: RequestContext) -> SkillRequest:
    """The skill request a message carries; `_Refused` if it carries none."""
    message = context.message
    if message is None:
        raise _Refused("the request has no message")
    meta = _hubspoke_metadata(message)
    try:
        deadline = datetime.fromisoformat(meta["deadline"]) if "deadline" in meta else None
    except (TypeError, ValueError) as exc:
        raise _Refused("metadata.hubspoke.deadline must be an RFC 3339 timestamp") from exc
    try:
        return SkillRequest(
            task_id=context.context_id or context.task_id or "",
            input=get_message_text(message),
            skill=meta.get("skill"),
            deadline=deadline,
            # The skill's structured arguments, when the caller filled them (a data part).
            arguments=next(
                (d for d in get_data_parts(list(message.parts)) if isinstance(d, dict)), {}
            ),
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise _Refused(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from exc


def _answer_parts(answer: SkillAnswer) -> list[Part]:
    parts = [new_text_part(answer.output)]
    if answer.data:
        parts.append(new_data_part(answer.data))
    return parts


class SkillExecutor(AgentExecutor):
    """Runs the agent's skill handler for each A2A message, and ends the task in its state."""

    def __init__(self, handler: SkillHandler) -> None:
        self._handler = handler

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        """Enqueue the task, run the step within its deadline, then its final state."""
        task = context.current_task
        if task is None:
            assert context.message is not None  # the SDK validated the request
            # Not new_task_from_user_message: it raises on an empty text part, which the SDK
            # answers as a JSON-RPC internal error (-32603) instead of letting _step reject it.
            task = Task(
                id=context.task_id or str(uuid.uuid4()),
                context_id=context.context_id or str(uuid.uuid4()),
                status=TaskStatus(state=TaskState.TASK_STATE_SUBMITTED),
                history=[context.message],
            )
            await event_queue.enqueue_event(task)
        updater = TaskUpdater(event_queue, task.id, task.context_id)

        def say(text: str, data: dict[str, Any] | None = None) -> Message:
            parts = [new_text_part(text)] + ([new_data_part(data)] if data else [])
            return updater.new_agent_message(parts)

        try:
            request = _step(context)
        except _Refused as exc:
            await updater.reject(say(str(exc)))
            return
        budget = None if request.deadline is None else remaining_seconds(request.deadline)
        if budget is not None and budget <= 0:
            await updater.failed(say(DEADLINE_PASSED))
            return
        try:
            async with asyncio.timeout(budget):
                answer = await self._handler(request)
        except TimeoutError:
            log.warning("deadline passed while working", extra={"task_id": request.task_id})
            await updater.failed(say(DEADLINE_PASSED))
        except UnprocessableError as exc:
            await updater.reject(say(exc.detail, exc.extra or None))
        except Exception:
            log.exception("skill handler crashed", extra={"task_id": request.task_id})
            await updater.failed(say("the agent failed"))
        else:
            await updater.add_artifact(_answer_parts(answer), name=ANSWER_ARTIFACT)
            await updater.complete()

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        """Mark the task canceled (the SDK has cancelled `execute` already)."""
        await TaskUpdater(event_queue, context.task_id or "", context.context_id or "").cancel()


class BoundedTaskStore(TaskStore):
    """The SDK's in-memory task store, keeping only the newest `limit` tasks.

    Steps are short and the orchestrator keeps its own record of each, so an
    agent holds its tasks only for GetTask soon after; unbounded, every step
    ever served would stay in memory.
    """

    def __init__(self, limit: int = 1000) -> None:
        self._inner = InMemoryTaskStore()
        self._limit = limit
        self._order: OrderedDict[str, ServerCallContext] = OrderedDict()

    async def save(self, task: Task, context: ServerCallContext) -> None:
        await self._inner.save(task, context)
        self._order[task.id] = context
        self._order.move_to_end(task.id)
        while len(self._order) > self._limit:
            oldest, owner = self._order.popitem(last=False)
            await self._inner.delete(oldest, owner)

    async def get(self, task_id: str, context: ServerCallContext) -> Task | None:
        return await self._inner.get(task_id, context)

    async def list(self, params: ListTasksRequest, context: ServerCallContext) -> ListTasksResponse:
        return await self._inner.list(params, context)

    async def delete(self, task_id: str, context: ServerCallContext) -> None:
        self._order.pop(task_id, None)
        await self._inner.delete(task_id, context)


def failed_task(*, task_id: str, context_id: str, reason: str) -> dict[str, Any]:
    """An A2A Task (proto JSON) in state `failed`, its status message saying why: the answer
    to work that never reached a skill (unreadable, dead-lettered, no JSON-RPC result)."""
    task = new_task(task_id, context_id, TaskState.TASK_STATE_FAILED)
    task.status.message.CopyFrom(
        Message(message_id=f"{task_id}-failed", role=Role.ROLE_AGENT, parts=[new_text_part(reason)])
    )
    as_json: dict[str, Any] = MessageToDict(task)
    return as_json


def mount_a2a(app: FastAPI, *, card: AgentCard, handler: SkillHandler) -> None:
    """Serve the SDK's JSON-RPC endpoint at exactly `POST /a2a`, running `handler`."""
    request_handler = DefaultRequestHandler(
        agent_executor=SkillExecutor(handler),
        task_store=BoundedTaskStore(),
        agent_card=card,
    )
    # A caller that sends no A2A-Version header speaks 0.3 (A2A 1.0, 3.6.2): the SDK's
    # 0.3 layer serves its method names on the same endpoint.
    app.router.routes.extend(
        create_jsonrpc_routes(request_handler, rpc_url=A2A_PATH, enable_v0_3_compat=True)
    )
