"""The summarizer's activity record in the Dapr state store (persistence layer)."""

from __future__ import annotations

from collections.abc import Callable

from agents.summarizer.models import Activity
from chassis.dapr import DaprPort, EtagMismatch

__all__ = ["ActivityRepository"]

_KEY = "activity"


class ActivityRepository:
    """One document, updated with ETag checks so concurrent replicas lose nothing."""

    def __init__(self, dapr: DaprPort, store: str, attempts: int = 10) -> None:
        self._dapr = dapr
        self._store = store
        self._attempts = attempts

    async def load(self) -> Activity:
        item = await self._dapr.get_state(self._store, _KEY)
        return Activity() if item is None else Activity.model_validate_json(item.data)

    async def update(self, change: Callable[[Activity], bool]) -> bool:
        """Apply `change` and save it, re-reading on a concurrent write; return its answer."""
        for _ in range(self._attempts):
            item = await self._dapr.get_state(self._store, _KEY)
            activity = Activity() if item is None else Activity.model_validate_json(item.data)
            if not change(activity):
                return False
            try:
                await self._dapr.save_state(
                    self._store,
                    _KEY,
                    activity.model_dump_json().encode(),
                    etag=None if item is None else item.etag,
                    create_only=item is None,
                )
            except EtagMismatch:
                continue
            return True
        raise EtagMismatch(f"activity still contended after {self._attempts} attempts")
