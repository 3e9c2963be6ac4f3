"""Looking at tasks: the recent ones, their live changes, a task's trace (routes only).

Registered before `tasks.api`'s router: `/v1/tasks/events` must not be read as
a task id.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.sse import EventSourceResponse, ServerSentEvent

from chassis.errors import NotFoundError
from chassis.problems import problem_responses
from orchestrator.deps import (
    CallerDep,
    OwnedTasksDep,
    TaskFeedDep,
    TraceQueryDep,
    require_caller,
)
from orchestrator.tasks.models import TaskList, TaskTrace
from orchestrator.tasks.ownership import owner_filter
from orchestrator.tasks.recent import RECENT_TASKS_KEPT

__all__ = ["router"]

router = APIRouter(
    prefix="/v1/tasks",
    tags=["tasks"],
    responses=problem_responses(401),
    dependencies=[Depends(require_caller)],
)
Limit = Annotated[int, Query(ge=1, le=RECENT_TASKS_KEPT, description="How many tasks, newest.")]


@router.get("")
async def list_tasks(feed: TaskFeedDep, caller: CallerDep, limit: Limit = 50) -> TaskList:
    """Recent tasks, newest first, from every replica (the recent-task index): the
    caller's own, or everyone's for an operator."""
    tasks = await feed.latest(limit, owner_filter(caller))
    return TaskList(count=len(tasks), tasks=tasks)


@router.get(
    "/events",
    response_class=EventSourceResponse,
    responses={200: {"description": "Server-sent events: task.created, task.step, ..."}},
)
async def task_events(
    feed: TaskFeedDep, caller: CallerDep, limit: Limit = 50
) -> AsyncIterator[ServerSentEvent]:
    """The newest tasks live (the caller's own, or everyone's for an operator): each as
    `task.created` at first, then `task.step` (a step added or changed: `{task_id,
    index, step}`), `task.updated` and `task.completed` (final: completed, failed or canceled)
    with the whole task. Polls the state store about twice a second, so it shows
    tasks of every replica."""
    async for event in feed.changes(limit, owner_filter(caller)):
        yield ServerSentEvent(event=event.name, data=event.data)


@router.get("/{task_id}/trace", responses=problem_responses(404, 502))
async def get_task_trace(
    task_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
    tasks: OwnedTasksDep,
    caller: CallerDep,
    traces: TraceQueryDep,
) -> TaskTrace:
    """The spans of the trace the task was created in, earliest first, from the trace
    query backend (404 when none is configured, or for another caller's task;
    spans arrive within about a second)."""
    task = await tasks.get(task_id, caller)
    if task.trace_id is None:
        raise NotFoundError(f"task {task_id} has no recorded trace")
    return await traces.trace(task.trace_id)
