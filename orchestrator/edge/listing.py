"""A2A ListTasks over the tasks `GET /v1/tasks` lists (the recent-task index).

The set of tasks is the one query path both share: the caller's own tasks
(every owner's for an operator) among the newest RECENT_TASKS_KEPT, read by
`TaskFeed.latest` (orchestrator/tasks/feed.py). The A2A side then applies the
spec's request (A2A 1.0, "List Tasks") with a2a-sdk's own parts, so its
semantics are the SDK's: filters `contextId`, `status` and
`statusTimestampAfter` (inclusive); newest status timestamp first, ties by
id; `pageSize` 1-100 (default 50, InvalidParams outside); an opaque
`pageToken` naming the last task of the previous page (InvalidParams if it
does not decode); `totalSize` counts the tasks matching the filters;
`historyLength` (negative: InvalidParams) and `includeArtifacts` (default
false: artifacts left out).
"""

from __future__ import annotations

from typing import Protocol

from a2a.server.context import ServerCallContext
from a2a.server.tasks.inmemory_task_store import InMemoryTaskStore
from a2a.types import ListTasksRequest, ListTasksResponse
from a2a.utils.task import apply_history_length, validate_history_length, validate_page_size

from orchestrator.edge.mapping import to_a2a_task
from orchestrator.tasks.models import TaskRecord
from orchestrator.tasks.recent import RECENT_TASKS_KEPT

__all__ = ["TaskLister", "list_tasks"]


class TaskLister(Protocol):
    """The recent tasks, newest first (orchestrator.tasks.feed.TaskFeed)."""

    async def latest(self, limit: int, owner: str | None = None) -> list[TaskRecord]: ...


async def list_tasks(
    lister: TaskLister,
    owner: str | None,
    params: ListTasksRequest,
    context: ServerCallContext,
) -> ListTasksResponse:
    """One page of `owner`'s recent tasks (None: everyone's) as A2A asks for them.

    Raises a2a's InvalidParamsError for a page size outside 1-100, a negative
    history length or a page token that does not decode.
    """
    validate_history_length(params)
    if params.HasField("page_size"):
        validate_page_size(params.page_size)
    # The SDK's in-memory store, filled for this call only, is the spec's
    # filtering and paging; the caller's scope was applied by `owner` already.
    page_of = InMemoryTaskStore(use_copying=False)
    for record in await lister.latest(RECENT_TASKS_KEPT, owner):
        await page_of.save(to_a2a_task(record), context)
    page = await page_of.list(params, context)
    for task in page.tasks:
        if not params.include_artifacts:
            task.ClearField("artifacts")
        shortened = apply_history_length(task, params)
        if shortened is not task:
            task.CopyFrom(shortened)
    return page
