"""Whose tasks a caller may read: its own, or every task for an operator.

Someone else's task reads as no task at all (404, A2A TaskNotFoundError), so a
caller cannot learn which task ids exist. The REST routes and the A2A edge
(GetTask, CancelTask, and ListTasks when it comes) read tasks through
`OwnedTasks`, the one place the rule is applied.
"""

from __future__ import annotations

from typing import Protocol

from orchestrator.callers import Caller
from orchestrator.errors import TaskNotFound
from orchestrator.tasks.models import TaskRecord

__all__ = ["OwnedTaskReader", "OwnedTasks", "TaskReader", "owner_filter", "visible_to"]


class TaskReader(Protocol):
    """Reads a stored task (orchestrator.tasks.service.TaskService); raises TaskNotFound."""

    async def get(self, task_id: str) -> TaskRecord: ...


class OwnedTaskReader(Protocol):
    """Reads a task as a caller may see it; raises TaskNotFound for one it may not."""

    async def get(self, task_id: str, caller: Caller) -> TaskRecord: ...


def visible_to(caller: Caller, task: TaskRecord) -> bool:
    """An operator sees every task; anyone else the tasks it owns (none without an owner)."""
    return caller.is_operator or (task.owner is not None and task.owner == caller.id)


def owner_filter(caller: Caller) -> str | None:
    """The owner whose tasks a listing for `caller` shows (None: every owner's)."""
    return None if caller.is_operator else caller.id


class OwnedTasks:
    """`OwnedTaskReader` over a `TaskReader`: a task not `visible_to` the caller is not found."""

    def __init__(self, tasks: TaskReader) -> None:
        self._tasks = tasks

    async def get(self, task_id: str, caller: Caller) -> TaskRecord:
        task = await self._tasks.get(task_id)
        if not visible_to(caller, task):
            # The same words as for a task that does not exist.
            raise TaskNotFound(f"no task with id {task_id!r}")
        return task
