"""Canceling a task: the stored state says `canceled`, and its run stops before its next step.

A cancel is an ETag-checked transition of the stored task (queued, running or
input_required -> canceled; a final task is not cancelable), announced on
`task.completed` like any final state. What the run does about it:

- queued: it never starts (the queue's runner starts QUEUED tasks only);
- running on this replica: its asyncio task is interrupted at once (the
  step in flight is abandoned: an invocation's HTTP call is closed, a
  pub/sub step is no longer awaited), and no further step starts;
- running on another replica: the stored task is canceled (final: the run's
  own final write is refused), but that run is not interrupted; it goes on
  to its end. Reading the stored state before each step would stop it, but
  done in the step path it stalled the orchestrator's pub/sub deliveries
  on a loaded machine (agents' heartbeats missed), so it is left out until
  that is understood.

Either way the run then stores the steps it had answered into the canceled
record (an agent that answered keeps its result there) and returns it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from chassis.errors import ConflictError
from orchestrator.errors import TaskNotFound
from orchestrator.tasks.models import StepStatus, TaskRecord, TaskStatus, TaskStep
from orchestrator.tasks.store import TaskRepository

__all__ = ["RunCancellation", "TaskCanceled", "TaskNotCancelable"]


class TaskNotCancelable(ConflictError):
    """The task has ended (completed, failed or canceled): 409, A2A TaskNotCancelableError."""


class TaskCanceled(Exception):
    """Raised out of a run whose task was canceled (not an error: the run ends there)."""


class RunCancellation:
    """Cancels tasks, and lets the runs of this replica notice it.

    `announce` publishes a task's final state (TaskService._announce).
    """

    def __init__(
        self, tasks: TaskRepository, announce: Callable[[TaskRecord], Awaitable[None]]
    ) -> None:
        self._tasks = tasks
        self._announce = announce
        self._runs: dict[str, asyncio.Task[object]] = {}  # task id -> the task running it
        self._interrupted: set[str] = set()

    async def cancel(self, task_id: str) -> TaskRecord:
        """Store `task_id` canceled and interrupt its run here; the canceled task.

        Raises TaskNotFound, or TaskNotCancelable when it has ended already.
        """
        now = datetime.now(UTC)

        def to_canceled(current: TaskRecord) -> TaskRecord | None:
            if current.status.final:
                return None
            return current.model_copy(
                update={"status": TaskStatus.CANCELED, "completed_at": now, "error": None}
            )

        task, written = await self._tasks.transition(task_id, to_canceled)
        if task is None:
            raise TaskNotFound(f"no task with id {task_id!r}")
        if not written:
            raise TaskNotCancelable(f"task {task_id} is {task.status}: it cannot be canceled")
        self._interrupt(task_id)
        await self._announce(task)
        return task

    def _interrupt(self, task_id: str) -> None:
        run = self._runs.get(task_id)
        if run is not None and task_id not in self._interrupted:
            self._interrupted.add(task_id)
            run.cancel(f"task {task_id} canceled")

    @asynccontextmanager
    async def scope(self, task_id: str) -> AsyncIterator[None]:
        """Run a task's work in here: a cancel interrupts it, and it raises TaskCanceled."""
        current = asyncio.current_task()
        assert current is not None  # called from a coroutine run by a task
        self._runs[task_id] = current
        try:
            try:
                yield
            except BaseException:
                if task_id not in self._interrupted:
                    raise  # not ours: a failure, or a shutdown or a client gone
            if task_id in self._interrupted:
                # Whatever the work ended in (a library may swallow the CancelledError
                # and answer something else), the task was canceled.
                while current.cancelling():
                    current.uncancel()
                raise TaskCanceled(task_id)
        finally:
            self._runs.pop(task_id, None)
            self._interrupted.discard(task_id)

    async def check(self, task_id: str) -> None:
        """Before a step starts: a run interrupted here whose interruption was swallowed on
        the way (see `scope`) is interrupted again, so the step does not start."""
        if task_id in self._interrupted:
            self._runs[task_id].cancel(f"task {task_id} canceled")
            await asyncio.sleep(0)  # let the interruption land before the step starts

    async def settle(self, task_id: str, steps: list[TaskStep]) -> TaskRecord:
        """The canceled task, with the steps its run had made when it stopped."""

        def keep_steps(current: TaskRecord) -> TaskRecord | None:
            if current.status is not TaskStatus.CANCELED or not steps:
                return None
            answered = [s.agent for s in steps if s.status is StepStatus.COMPLETED]
            return current.model_copy(
                update={"steps": steps, "agents": list(dict.fromkeys(answered))}
            )

        task, _ = await self._tasks.transition(task_id, keep_steps)
        if task is None:
            raise TaskNotFound(f"task {task_id!r} vanished from the state store")
        return task
