"""Task use cases: choose an agent, invoke it through Dapr, record, announce."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import ValidationError

from chassis.contract import AGENT_INVOKE_METHOD, AgentRequest, AgentResponse, TaskCompleted
from chassis.dapr import DaprError, DaprPort, InvocationFailed
from chassis.errors import NotFoundError, UnprocessableError, UpstreamError
from orchestrator.models import TaskRecord, TaskRequest, TaskStatus
from orchestrator.persistence import TaskRepository

__all__ = ["AgentDirectory", "AgentRejectedTask", "AgentUnavailable", "TaskNotFound", "TaskService"]

log = logging.getLogger(__name__)


class TaskNotFound(NotFoundError):
    """No task with that id was stored."""


class AgentRejectedTask(UnprocessableError):
    """The agent answered that it cannot act on the input (4xx)."""


class AgentUnavailable(UpstreamError):
    """The agent could not be reached, failed, or answered outside the contract."""


class AgentDirectory(Protocol):
    """Knows which agent should take a task (the registry)."""

    def choose(self, text: str, requested: str | None) -> str:
        """The app-id of a healthy agent for `text`; raises if there is none."""
        ...


class TaskService:
    """Runs tasks synchronously: one agent per task, for now."""

    def __init__(
        self,
        *,
        dapr: DaprPort,
        tasks: TaskRepository,
        agents: AgentDirectory,
        pubsub: str,
        completed_topic: str,
    ) -> None:
        self._dapr = dapr
        self._tasks = tasks
        self._agents = agents
        self._pubsub = pubsub
        self._completed_topic = completed_topic

    async def submit(self, request: TaskRequest) -> TaskRecord:
        """Run a task to its end and return it; failures are stored before raising."""
        agent = self._agents.choose(request.input, request.agent)
        task = TaskRecord(
            id=uuid.uuid4().hex,
            input=request.input,
            agent=agent,
            status=TaskStatus.RUNNING,
            created_at=datetime.now(UTC),
        )
        await self._tasks.save(task)
        try:
            answer = await self._call_agent(task)
        except (AgentRejectedTask, AgentUnavailable) as exc:
            await self._finish(task, TaskStatus.FAILED, error=exc.detail)
            exc.extra["task_id"] = task.id
            raise
        return await self._finish(
            task, TaskStatus.COMPLETED, output=answer.output, data=answer.data
        )

    async def get(self, task_id: str) -> TaskRecord:
        """Read a task back from the state store."""
        task = await self._tasks.get(task_id)
        if task is None:
            raise TaskNotFound(f"no task with id {task_id!r}")
        return task

    async def _call_agent(self, task: TaskRecord) -> AgentResponse:
        request = AgentRequest(task_id=task.id, input=task.input)
        try:
            raw = await self._dapr.invoke(task.agent, AGENT_INVOKE_METHOD, request.model_dump())
        except InvocationFailed as exc:
            reason = _reason(exc.body)
            if 400 <= exc.status < 500 and exc.status not in (403, 404, 408, 429):
                raise AgentRejectedTask(
                    f"agent {task.agent!r} rejected the task: {reason}"
                ) from exc
            raise AgentUnavailable(
                f"agent {task.agent!r} failed with HTTP {exc.status}: {reason}"
            ) from exc
        except DaprError as exc:
            raise AgentUnavailable(f"agent {task.agent!r} unreachable: {exc}") from exc
        try:
            return AgentResponse.model_validate(raw)
        except ValidationError as exc:
            raise AgentUnavailable(f"agent {task.agent!r} answered outside the contract") from exc

    async def _finish(self, task: TaskRecord, status: TaskStatus, **changes: Any) -> TaskRecord:
        done = task.model_copy(
            update={"status": status, "completed_at": datetime.now(UTC), **changes}
        )
        await self._tasks.save(done)
        event = TaskCompleted(
            task_id=done.id, agent=done.agent, status=done.status, completed_at=done.completed_at
        )
        try:
            await self._dapr.publish(
                self._pubsub, self._completed_topic, event.model_dump_json().encode()
            )
        except DaprError:
            # The task itself is stored; a lost notification must not fail it.
            log.warning("could not publish %s for task %s", self._completed_topic, done.id)
        return done


def _reason(body: Any) -> str:
    if isinstance(body, dict):
        for field in ("detail", "message", "error"):
            if isinstance(body.get(field), str):
                return str(body[field])
    return str(body)[:500]
