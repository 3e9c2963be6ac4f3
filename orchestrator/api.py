"""The orchestrator's public API, version 1 (routes only)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status
from fastapi.sse import EventSourceResponse, ServerSentEvent

from chassis.errors import UnprocessableError
from chassis.problems import PROBLEM_RESPONSES
from orchestrator.deps import TaskServiceDep, require_caller
from orchestrator.models import TaskMode, TaskRecord, TaskRequest

__all__ = ["router"]

router = APIRouter(
    prefix="/v1",
    tags=["tasks"],
    responses=PROBLEM_RESPONSES,
    dependencies=[Depends(require_caller)],
)


@router.post(
    "/tasks",
    status_code=status.HTTP_201_CREATED,
    responses={202: {"model": TaskRecord, "description": "Accepted (mode=async): poll Location."}},
)
async def create_task(body: TaskRequest, service: TaskServiceDep, response: Response) -> TaskRecord:
    """Run a task and answer with the agents' answer; with `mode: async`, queue it and
    answer 202 at once (the task runs over pub/sub; GET /v1/tasks/{id} shows its progress)."""
    if body.mode is TaskMode.ASYNC:
        task = await service.accept(body)
        response.status_code = status.HTTP_202_ACCEPTED
    else:
        task = await service.submit(body)
    response.headers["Location"] = f"/v1/tasks/{task.id}"
    return task


async def _runnable(body: TaskRequest, service: TaskServiceDep) -> TaskRequest:
    # A dependency runs before the stream starts: refusals stay plain 4xx/5xx responses.
    if body.mode is TaskMode.ASYNC:
        raise UnprocessableError("a streamed task runs in the request: leave mode out")
    service.check(body)
    return body


@router.post("/tasks/stream", response_class=EventSourceResponse)
async def stream_task(
    body: Annotated[TaskRequest, Depends(_runnable)], service: TaskServiceDep
) -> AsyncIterator[ServerSentEvent]:
    """Run a task and stream its progress as server-sent events.

    Events: `task` (its id), `plan` (the agent calls chosen for a round),
    `step.started` / `step.finished` (each agent call, with its output: the
    partial answer), then `answer` (the stored task) or `error` (problem JSON).
    """
    async for event in service.stream(body):
        yield ServerSentEvent(event=event.name, data=event.data)


@router.get("/tasks/{task_id}")
async def get_task(
    task_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")], service: TaskServiceDep
) -> TaskRecord:
    """Read a task back from the state store."""
    return await service.get(task_id)
