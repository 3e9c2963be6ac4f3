"""The summarizer's activity record in the Dapr state store (persistence layer)."""

from __future__ import annotations

from collections.abc import Callable

from agents.summarizer.models import Activity
from chassis.dapr import DaprPort
from chassis.documents import update_document

__all__ = ["ActivityRepository"]

_KEY = "activity"


class ActivityRepository:
    """One document, updated with ETag checks so concurrent replicas lose nothing."""

    def __init__(self, dapr: DaprPort, store: str) -> None:
        self._dapr = dapr
        self._store = store

    async def load(self) -> Activity:
        item = await self._dapr.get_state(self._store, _KEY)
        return Activity() if item is None else Activity.model_validate_json(item.data)

    async def update(self, change: Callable[[Activity], bool]) -> bool:
        """Apply `change` and save it, re-reading on a concurrent write; return its answer."""
        return await update_document(self._dapr, self._store, _KEY, Activity, change)
