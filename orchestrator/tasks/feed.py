"""The live feed of recent tasks: what changed in the state store, as events.

Every replica answers the feed from the shared state store, so a console
connected to one replica sees tasks run by any other: each tick reads the
recent-task index and the tasks in it that may still change (not final, or
not seen yet) in one bulk read, and turns the differences into events. A
poll, not a subscription: it needs no broker of its own and loses nothing
while a client reconnects; it costs two state reads per tick per client.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

from chassis.dapr import DaprError
from orchestrator.tasks.models import TaskRecord
from orchestrator.tasks.recent import RecentTasks
from orchestrator.tasks.store import TaskRepository

__all__ = ["FeedEvent", "TaskFeed", "changes_between"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeedEvent:
    """One server-sent event: `task.created`, `task.step`, `task.updated` or `task.completed`.

    `task.*` events carry the whole task; `task.step` carries `{task_id, index, step}`.
    `task.completed` means the task reached a final state (completed, failed or canceled).
    """

    name: str
    data: dict[str, Any]


def changes_between(before: TaskRecord | None, after: TaskRecord) -> Iterator[FeedEvent]:
    """The events that take a reader from `before` (None: never seen) to `after`."""
    record = after.model_dump(mode="json")
    if before is None:
        yield FeedEvent("task.created", record)
        return
    if before == after:
        return
    for index, step in enumerate(after.steps):
        if index >= len(before.steps) or before.steps[index] != step:
            data = {"task_id": after.id, "index": index, "step": step.model_dump(mode="json")}
            yield FeedEvent("task.step", data)
    final = after.status.final and not before.status.final
    yield FeedEvent("task.completed" if final else "task.updated", record)


class TaskFeed:
    """Recent tasks, newest first, and their changes every `interval_s` seconds."""

    def __init__(
        self, *, tasks: TaskRepository, recent: RecentTasks, interval_s: float = 0.5
    ) -> None:
        self._tasks = tasks
        self._recent = recent
        self._interval_s = interval_s

    async def latest(self, limit: int, owner: str | None = None) -> list[TaskRecord]:
        """The newest `limit` stored tasks, newest first; with `owner`, of its tasks only."""
        tasks = await self._tasks.get_many(await self._recent.ids(limit, owner))
        return [t for t in tasks if owner is None or t.owner == owner]

    async def changes(self, limit: int, owner: str | None = None) -> AsyncIterator[FeedEvent]:
        """Events for the newest `limit` tasks (with `owner`, of its tasks only): each one
        as first seen, then its changes.

        Runs until the reader stops; a state store that does not answer is
        tried again at the next tick (the reader sees nothing meanwhile).
        """
        known: dict[str, TaskRecord] = {}
        while True:
            try:
                ids = await self._recent.ids(limit, owner)
                open_ids = [i for i in ids if i not in known or not known[i].status.final]
                fresh = await self._tasks.get_many(open_ids) if open_ids else []
                fresh = [t for t in fresh if owner is None or t.owner == owner]
            except DaprError as exc:
                log.warning("task feed: state store unavailable: %s", exc)
            else:
                for task in reversed(fresh):  # oldest first: a reader prepends each new one
                    for event in changes_between(known.get(task.id), task):
                        yield event
                    known[task.id] = task
                for gone in known.keys() - set(ids):
                    del known[gone]
            await asyncio.sleep(self._interval_s)
