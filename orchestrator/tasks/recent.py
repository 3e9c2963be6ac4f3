"""The index of recent tasks: which task ids the console and `GET /v1/tasks` list.

One bounded document (`recent-tasks`, newest first, at most RECENT_TASKS_KEPT
ids) in the shared state store, so every orchestrator replica lists the tasks
every other one ran. Several replicas write it with ETag-checked retries
(chassis.documents). A note is written in the background: the index is for
looking, and a task's answer never waits for it or fails with it.

The notes of `linger_s` seconds are written together: one read and one write
of the index per batch, not per task (at 40 tasks a second, two sidecar calls
a second instead of eighty). The console's feed polls the index every 0.5 s,
so a task shows there as soon as it did before, give or take one tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections import deque

from pydantic import BaseModel, Field

from chassis.dapr import DaprError, DaprPort
from chassis.documents import update_document

__all__ = ["RECENT_TASKS_KEPT", "RecentTaskIds", "RecentTasks"]

log = logging.getLogger(__name__)

RECENT_TASKS_KEPT = 200
NOTES_LINGER_S = 0.25
_KEY = "recent-tasks"


class RecentTaskIds(BaseModel):
    """The stored index: task ids, newest first, and the owner of each that has one."""

    task_ids: list[str] = Field(default_factory=list)
    owners: dict[str, str] = Field(default_factory=dict)

    def of(self, owner: str | None) -> list[str]:
        """The ids, newest first; with `owner`, only the tasks it owns."""
        if owner is None:
            return self.task_ids
        return [t for t in self.task_ids if self.owners.get(t) == owner]


class RecentTasks:
    """Notes task ids as they are first stored; lists them newest first."""

    def __init__(
        self,
        dapr: DaprPort,
        store: str,
        *,
        kept: int = RECENT_TASKS_KEPT,
        linger_s: float = NOTES_LINGER_S,
    ) -> None:
        self._dapr = dapr
        self._store = store
        self._kept = kept
        self._linger_s = linger_s
        # Ids this replica noted lately: a task stored again is not noted again.
        self._noted: deque[str] = deque(maxlen=kept)
        self._pending: list[tuple[str, str | None]] = []  # (id, owner), oldest first
        self._writer: asyncio.Task[None] | None = None
        self._now = asyncio.Event()  # set while draining: write without lingering

    def note(self, task_id: str, owner: str | None = None) -> None:
        """Put `task_id` (owned by `owner`) at the head of the index, in the background
        (needs a running loop)."""
        if task_id in self._noted:
            return
        self._noted.append(task_id)
        self._pending.append((task_id, owner))
        if self._writer is None or self._writer.done():
            # Its own context: a batch serves many tasks, so its calls join no task's trace.
            self._writer = asyncio.create_task(self._write(), context=contextvars.Context())

    async def _write(self) -> None:
        while self._pending:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._now.wait(), self._linger_s)
            batch, self._pending = self._pending, []

            def put_first(
                index: RecentTaskIds, batch: list[tuple[str, str | None]] = batch
            ) -> bool:
                new = [(t, o) for t, o in reversed(batch) if t not in index.task_ids]
                if not new:
                    return False
                index.task_ids = [*(t for t, _ in new), *index.task_ids][: self._kept]
                owners = {**index.owners, **{t: o for t, o in new if o is not None}}
                index.owners = {t: owners[t] for t in index.task_ids if t in owners}
                return True

            try:
                await update_document(self._dapr, self._store, _KEY, RecentTaskIds, put_first)
            except DaprError as exc:  # EtagMismatch included: a lost race after every retry
                log.warning("%d task(s) not added to the recent-task index: %s", len(batch), exc)

    async def ids(self, limit: int, owner: str | None = None) -> list[str]:
        """The newest `limit` task ids, newest first; with `owner`, of its tasks only."""
        item = await self._dapr.get_state(self._store, _KEY)
        if item is None:
            return []
        return RecentTaskIds.model_validate_json(item.data).of(owner)[:limit]

    async def drain(self, timeout_s: float = 5.0) -> None:
        """Write the notes not written yet, now (waiting a bounded time)."""
        if self._writer is None or self._writer.done():
            return
        self._now.set()
        try:
            await asyncio.wait({self._writer}, timeout=timeout_s)
        finally:
            self._now.clear()
