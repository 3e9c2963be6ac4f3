"""Task records in the Dapr state store (persistence layer)."""

from __future__ import annotations

from chassis.dapr import DaprPort
from orchestrator.models import TaskRecord

__all__ = ["TaskRepository"]


class TaskRepository:
    """Stores one JSON document per task under `task-<id>`."""

    def __init__(self, dapr: DaprPort, store: str) -> None:
        self._dapr = dapr
        self._store = store

    async def save(self, task: TaskRecord) -> None:
        await self._dapr.save_state(self._store, _key(task.id), task.model_dump_json().encode())

    async def get(self, task_id: str) -> TaskRecord | None:
        item = await self._dapr.get_state(self._store, _key(task_id))
        return None if item is None else TaskRecord.model_validate_json(item.data)


def _key(task_id: str) -> str:
    return f"task-{task_id}"
