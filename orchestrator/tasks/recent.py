"""The index of recent tasks: which task ids the console and `GET /v1/tasks` list.

One bounded document (`recent-tasks`, newest first, at most RECENT_TASKS_KEPT
ids) in the shared state store, so every orchestrator replica lists the tasks
every other one ran. Several replicas write it with ETag-checked retries
(chassis.documents); one replica's concurrent notes are batched into one write.
A note is written in the background: the index is for looking, and a task's
answer never waits for it or fails with it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque

from pydantic import BaseModel, Field

from chassis.dapr import DaprError, DaprPort
from chassis.documents import BatchedDocument

__all__ = ["RECENT_TASKS_KEPT", "RecentTaskIds", "RecentTasks"]

log = logging.getLogger(__name__)

RECENT_TASKS_KEPT = 200
_KEY = "recent-tasks"


class RecentTaskIds(BaseModel):
    """The stored index: task ids, newest first."""

    task_ids: list[str] = Field(default_factory=list)


class RecentTasks:
    """Notes task ids as they are first stored; lists them newest first."""

    def __init__(self, dapr: DaprPort, store: str, *, kept: int = RECENT_TASKS_KEPT) -> None:
        self._dapr = dapr
        self._store = store
        self._kept = kept
        self._document = BatchedDocument(dapr, store, _KEY, RecentTaskIds)
        # Ids this replica noted lately: a task stored again is not noted again.
        self._noted: deque[str] = deque(maxlen=kept)
        self._writing: set[asyncio.Task[None]] = set()

    def note(self, task_id: str) -> None:
        """Put `task_id` at the head of the index, in the background (needs a running loop)."""
        if task_id in self._noted:
            return
        self._noted.append(task_id)
        writing = asyncio.create_task(self._write(task_id))
        self._writing.add(writing)
        writing.add_done_callback(self._writing.discard)

    async def _write(self, task_id: str) -> None:
        def put_first(index: RecentTaskIds) -> bool:
            if task_id in index.task_ids:
                return False
            index.task_ids = [task_id, *index.task_ids][: self._kept]
            return True

        try:
            await self._document.apply(put_first)
        except DaprError as exc:  # EtagMismatch included: a lost race after every retry
            log.warning("task %s not added to the recent-task index: %s", task_id, exc)

    async def ids(self, limit: int) -> list[str]:
        """The newest `limit` task ids, newest first."""
        item = await self._dapr.get_state(self._store, _KEY)
        if item is None:
            return []
        return RecentTaskIds.model_validate_json(item.data).task_ids[:limit]

    async def drain(self, timeout_s: float = 5.0) -> None:
        """Wait (a bounded time) for notes still being written."""
        if self._writing:
            await asyncio.wait(set(self._writing), timeout=timeout_s)
