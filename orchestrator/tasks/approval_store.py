"""The index of waiting approvals: one bounded document in the Dapr state store.

The approval itself lives in its task record (the truth); this index only
says which tasks to look at, so listing and the deadline sweep need no query
over every task. Changes are ETag-checked (`chassis.documents`), so replicas
writing at once lose nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, Field

from chassis.dapr import DaprPort
from chassis.documents import update_document
from orchestrator.tasks.models import Approval

__all__ = ["ApprovalIndex", "WaitingApproval"]

INDEX_KEY = "approvals-waiting"
# More waiting approvals than a person can decide; the oldest beyond it are still in
# their tasks, and their deadline still ends them when their task is read.
MAX_INDEXED = 1000


class WaitingApproval(BaseModel):
    task_id: str
    step_id: str
    deadline: datetime
    requested_at: datetime


class _Index(BaseModel):
    waiting: list[WaitingApproval] = Field(default_factory=list)


class ApprovalIndex:
    """Which (task, step) approvals may be waiting, oldest first."""

    def __init__(self, dapr: DaprPort, store: str) -> None:
        self._dapr = dapr
        self._store = store

    async def note(self, task_id: str, approvals: Sequence[Approval]) -> None:
        """Index the approvals a task starts waiting for (before the task is paused)."""
        if approvals:
            await self.add(
                [
                    WaitingApproval(
                        task_id=task_id,
                        step_id=a.step_id,
                        deadline=a.deadline,
                        requested_at=a.requested_at,
                    )
                    for a in approvals
                ]
            )

    async def add(self, entries: Sequence[WaitingApproval]) -> None:
        def add(index: _Index) -> bool:
            known = {(w.task_id, w.step_id) for w in index.waiting}
            new = [e for e in entries if (e.task_id, e.step_id) not in known]
            index.waiting = [*index.waiting, *new][-MAX_INDEXED:]
            return bool(new)

        await update_document(self._dapr, self._store, INDEX_KEY, _Index, add)

    async def remove(self, task_id: str, step_id: str | None = None) -> None:
        """Forget one step's entry, or (step_id None) every entry of the task."""

        def remove(index: _Index) -> bool:
            kept = [
                w
                for w in index.waiting
                if not (w.task_id == task_id and step_id in (None, w.step_id))
            ]
            changed = len(kept) != len(index.waiting)
            index.waiting = kept
            return changed

        await update_document(self._dapr, self._store, INDEX_KEY, _Index, remove)

    async def entries(self) -> list[WaitingApproval]:
        item = await self._dapr.get_state(self._store, INDEX_KEY)
        return [] if item is None else _Index.model_validate_json(item.data).waiting
