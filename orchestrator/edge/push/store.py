"""The webhooks of each task, one state-store document per task (persistence layer).

Kept under `push-<task id>` beside the task's record `task-<id>`; whoever
deletes a task's record deletes this document with it (`delete`).
"""

from __future__ import annotations

from chassis.dapr import DaprPort
from chassis.documents import update_document
from orchestrator.edge.push.models import PushConfig, PushConfigList

__all__ = ["MAX_CONFIGS_PER_TASK", "PushConfigStore", "TooManyConfigs"]

MAX_CONFIGS_PER_TASK = 10


class TooManyConfigs(ValueError):
    """A task has MAX_CONFIGS_PER_TASK webhooks already."""


def _key(task_id: str) -> str:
    return f"push-{task_id}"


class PushConfigStore:
    """Create, read and delete the webhooks of a task (at most MAX_CONFIGS_PER_TASK)."""

    def __init__(self, dapr: DaprPort, store: str) -> None:
        self._dapr = dapr
        self._store = store

    async def put(self, config: PushConfig) -> None:
        """Add `config`, replacing one of the same id; TooManyConfigs past the limit."""

        def add(document: PushConfigList) -> bool:
            kept = [c for c in document.configs if c.id != config.id]
            if len(kept) >= MAX_CONFIGS_PER_TASK:
                raise TooManyConfigs(
                    f"task {config.task_id} has {MAX_CONFIGS_PER_TASK} webhooks already"
                )
            document.configs = [*kept, config]
            return True

        await update_document(self._dapr, self._store, _key(config.task_id), PushConfigList, add)

    async def list(self, task_id: str) -> list[PushConfig]:
        item = await self._dapr.get_state(self._store, _key(task_id))
        return [] if item is None else PushConfigList.model_validate_json(item.data).configs

    async def get(self, task_id: str, config_id: str) -> PushConfig | None:
        return next((c for c in await self.list(task_id) if c.id == config_id), None)

    async def remove(self, task_id: str, config_id: str) -> bool:
        """Remove one webhook; whether it existed."""

        def drop(document: PushConfigList) -> bool:
            kept = [c for c in document.configs if c.id != config_id]
            changed = len(kept) != len(document.configs)
            document.configs = kept
            return changed

        return await update_document(self._dapr, self._store, _key(task_id), PushConfigList, drop)

    async def delete(self, task_id: str) -> None:
        """Forget every webhook of a task (with the task's record)."""
        await self._dapr.delete_state(self._store, _key(task_id))
