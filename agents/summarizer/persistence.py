"""The summarizer's activity record in the Dapr state store (persistence layer)."""

from __future__ import annotations

from collections.abc import Callable

from agents.summarizer.models import Activity
from chassis.dapr import DaprPort
from chassis.documents import BatchedDocument

__all__ = ["ActivityRepository"]

_KEY = "activity"


class ActivityRepository:
    """One document, updated with ETag checks so concurrent replicas lose nothing."""

    def __init__(self, dapr: DaprPort, store: str) -> None:
        self._dapr = dapr
        self._store = store
        # Every task.completed event changes this one document: batch the writes.
        self._document = BatchedDocument(dapr, store, _KEY, Activity)

    async def load(self) -> Activity:
        item = await self._dapr.get_state(self._store, _KEY)
        return Activity() if item is None else Activity.model_validate_json(item.data)

    async def update(self, change: Callable[[Activity], bool]) -> bool:
        """Apply `change` and save it, re-reading on a concurrent write; return its answer."""
        return await self._document.apply(change)
