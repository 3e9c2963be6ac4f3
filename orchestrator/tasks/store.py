"""Task records and the dead-letter log in the Dapr state store (persistence layer)."""

from __future__ import annotations

from collections.abc import Callable

from chassis.dapr import DaprPort, EtagMismatch
from chassis.documents import update_document
from orchestrator.tasks.models import DeadLetter, DeadLetterList, TaskRecord
from orchestrator.tasks.recent import RecentTasks

__all__ = ["DeadLetterLog", "TaskRepository"]

DEAD_LETTERS_KEPT = 100


class TaskRepository:
    """Stores one JSON document per task under `task-<id>`.

    With `recent`, a task stored for the first time is also noted in the index
    of recent tasks (what `GET /v1/tasks` and the console list).
    """

    def __init__(self, dapr: DaprPort, store: str, recent: RecentTasks | None = None) -> None:
        self._dapr = dapr
        self._store = store
        self._recent = recent

    async def save(self, task: TaskRecord) -> None:
        await self._dapr.save_state(self._store, _key(task.id), task.model_dump_json().encode())
        if self._recent is not None:
            self._recent.note(task.id, task.owner)

    async def create(self, task: TaskRecord) -> None:
        """Store a task that must not exist yet (EtagMismatch if it does)."""
        await self._dapr.save_state(
            self._store, _key(task.id), task.model_dump_json().encode(), create_only=True
        )
        if self._recent is not None:
            self._recent.note(task.id, task.owner)

    async def get_many(self, task_ids: list[str]) -> list[TaskRecord]:
        """The stored tasks among `task_ids`, in that order (missing ones left out)."""
        items = await self._dapr.get_many(self._store, [_key(t) for t in task_ids])
        found = (items.get(_key(t)) for t in task_ids)
        return [TaskRecord.model_validate_json(item.data) for item in found if item is not None]

    async def get(self, task_id: str) -> TaskRecord | None:
        item = await self._dapr.get_state(self._store, _key(task_id))
        return None if item is None else TaskRecord.model_validate_json(item.data)

    async def transition(
        self, task_id: str, change: Callable[[TaskRecord], TaskRecord | None], *, attempts: int = 20
    ) -> tuple[TaskRecord | None, bool]:
        """Apply `change` to the stored task unless it returns None; (task, whether written).

        ETag-checked, so two replicas finishing the same task write it once.
        """
        for _ in range(attempts):
            item = await self._dapr.get_state(self._store, _key(task_id))
            if item is None:
                return None, False
            current = TaskRecord.model_validate_json(item.data)
            changed = change(current)
            if changed is None:
                return current, False
            try:
                await self._dapr.save_state(
                    self._store, _key(task_id), changed.model_dump_json().encode(), etag=item.etag
                )
            except EtagMismatch:
                continue
            return changed, True
        raise EtagMismatch(f"task {task_id} still contended after {attempts} attempts")


class DeadLetterLog:
    """The newest dead letters, in one bounded document."""

    def __init__(self, dapr: DaprPort, store: str) -> None:
        self._dapr = dapr
        self._store = store

    async def note(self, letter: DeadLetter) -> DeadLetter:
        """Record a dead letter, or add to what is known of it.

        A subscriber of ours that drops a message notes it with the reason
        first; the copy arriving on the dead-letter topic then marks it arrived.
        """

        noted = letter

        def merge(log: DeadLetterList) -> bool:
            nonlocal noted
            noted = letter
            for i, known in enumerate(log.dead_letters):
                if known.message_id == letter.message_id:
                    merged = known.model_copy(
                        update={
                            "arrived": known.arrived or letter.arrived,
                            "task_id": known.task_id or letter.task_id,
                        }
                    )
                    noted = merged
                    if merged == known:
                        return False
                    log.dead_letters[i] = merged
                    return True
            log.dead_letters = [letter, *log.dead_letters][:DEAD_LETTERS_KEPT]
            return True

        await update_document(self._dapr, self._store, "dead-letters", DeadLetterList, merge)
        return noted

    async def list(self) -> DeadLetterList:
        item = await self._dapr.get_state(self._store, "dead-letters")
        return DeadLetterList() if item is None else DeadLetterList.model_validate_json(item.data)


def _key(task_id: str) -> str:
    return f"task-{task_id}"
