"""Registry records and refusals in the Dapr state store (persistence layer).

One key per agent (`agent-<app-id>`), plus an index key listing the app-ids
so start-up can bulk-read them all. Every write is ETag-checked: two
orchestrator replicas handling heartbeats of the same agent never lose an
update, they retry on the fresh copy instead.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, Field

from chassis.dapr import DaprPort
from chassis.documents import update_document
from orchestrator.registry.policy import AgentRecord, Refusal

__all__ = ["RegistryStore"]

_INDEX = "agent-index"
_REFUSALS = "agent-refusals"
MAX_REFUSALS = 200


class _Index(BaseModel):
    ids: list[str] = Field(default_factory=list)


class _Refusals(BaseModel):
    by_app: dict[str, Refusal] = Field(default_factory=dict)


def _key(app_id: str) -> str:
    return f"agent-{app_id}"


class RegistryStore:
    def __init__(self, dapr: DaprPort, store: str) -> None:
        self._dapr = dapr
        self._store = store

    async def load_all(self) -> dict[str, tuple[AgentRecord, str | None]]:
        """Every stored record with its ETag."""
        index = await self._dapr.get_state(self._store, _INDEX)
        ids = [] if index is None else _Index.model_validate_json(index.data).ids
        items = await self._dapr.get_many(self._store, [_key(i) for i in ids])
        records = {}
        for item in items.values():
            record = AgentRecord.model_validate_json(item.data)
            records[record.app_id] = (record, item.etag)
        return records

    async def get(self, app_id: str) -> tuple[AgentRecord, str | None] | None:
        item = await self._dapr.get_state(self._store, _key(app_id))
        return None if item is None else (AgentRecord.model_validate_json(item.data), item.etag)

    async def save(self, record: AgentRecord, etag: str | None) -> None:
        """Write a record; EtagMismatch when someone wrote it since `etag` was read."""
        if etag is None:
            # Listed before it exists: an id without a record is skipped on load,
            # a record without an id would be lost.
            await self._update_index(lambda ids: ids | {record.app_id})
        await self._dapr.save_state(
            self._store,
            _key(record.app_id),
            record.model_dump_json().encode(),
            etag=etag,
            create_only=etag is None,
        )

    async def delete(self, app_id: str, etag: str | None) -> None:
        await self._dapr.delete_state(self._store, _key(app_id), etag=etag)
        await self._update_index(lambda ids: ids - {app_id})

    async def _update_index(self, change: Callable[[set[str]], set[str]]) -> None:
        def apply(index: _Index) -> bool:
            wanted = change(set(index.ids))
            if wanted == set(index.ids):
                return False
            index.ids = sorted(wanted)
            return True

        await update_document(self._dapr, self._store, _INDEX, _Index, apply)

    async def refusals(self) -> dict[str, Refusal]:
        item = await self._dapr.get_state(self._store, _REFUSALS)
        return {} if item is None else _Refusals.model_validate_json(item.data).by_app

    async def set_refusal(self, app_id: str, refusal: Refusal | None) -> None:
        """Record why `app_id` was refused, or clear it (None) once it registered."""

        def apply(refusals: _Refusals) -> bool:
            if refusal is None:
                return refusals.by_app.pop(app_id, None) is not None
            refusals.by_app[app_id] = refusal
            newest = sorted(refusals.by_app.values(), key=lambda r: r.at)[-MAX_REFUSALS:]
            refusals.by_app = {r.app_id: r for r in newest}
            return True

        await update_document(self._dapr, self._store, _REFUSALS, _Refusals, apply)
