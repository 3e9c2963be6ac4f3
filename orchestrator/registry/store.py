"""Registry records and refusals in the Dapr state store (persistence layer).

One key per agent (`agent-<app-id>`), an index of app-ids spread over
buckets (index.py) so start-up can bulk-read every record, and a change log
(changes.py) so a running replica reads only what others changed. Writes go
through `RecordWriter` (writes.py): concurrent writes share one state
transaction, and every record write is ETag-checked, so two orchestrator
replicas never lose each other's updates; reads of single records that
arrive together share one bulk read.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import BaseModel, Field

from chassis.batching import Batcher
from chassis.dapr import DaprPort, StateItem
from chassis.documents import BatchedDocument
from orchestrator.registry.changes import Changes, announces, read_changes, read_head
from orchestrator.registry.index import read_ids
from orchestrator.registry.policy import AgentRecord, Refusal
from orchestrator.registry.writes import RecordWrite, RecordWriter, record_key

__all__ = ["MAX_REFUSALS", "RegistryStore", "Snapshot", "Stored"]

_REFUSALS = "agent-refusals"
_READ_CHUNK = 500  # keys per bulk read
MAX_REFUSALS = 200

Stored = tuple[AgentRecord, str | None]  # a record and its ETag


class _Refusals(BaseModel):
    by_app: dict[str, Refusal] = Field(default_factory=dict)


@dataclass(frozen=True)
class Snapshot:
    """Every stored record, and the change-log position they are at least as new as."""

    records: dict[str, Stored]
    position: int


class RegistryStore:
    """The registry's state, for one replica (`writer` names it in the change log)."""

    def __init__(self, dapr: DaprPort, store: str, *, writer: str | None = None) -> None:
        self._dapr = dapr
        self._store = store
        self.writer = writer or uuid.uuid4().hex
        self._writes = RecordWriter(dapr, store, self.writer)
        self._reads: Batcher[str, StateItem | None] = Batcher(self._read_batch, max_batch=500)
        self._refusals = BatchedDocument(dapr, store, _REFUSALS, _Refusals)

    async def load_all(self) -> Snapshot:
        """Every stored record with its ETag (start-up: one bulk read per 500 agents)."""
        # The head first: whatever changes after it is read again by the next sync.
        position = await read_head(self._dapr, self._store)
        ids = await read_ids(self._dapr, self._store)
        return Snapshot(await self.get_many(ids), position)

    async def changes_since(self, position: int) -> Changes | None:
        """App-ids other replicas changed after `position` (None: reload in full)."""
        return await read_changes(self._dapr, self._store, position, self.writer)

    async def get_many(self, app_ids: Iterable[str]) -> dict[str, Stored]:
        """The stored records of `app_ids` (missing ones left out), in bulk reads."""
        keys = [record_key(a) for a in sorted(app_ids)]
        records: dict[str, Stored] = {}
        for start in range(0, len(keys), _READ_CHUNK):
            found = await self._dapr.get_many(self._store, keys[start : start + _READ_CHUNK])
            for item in found.values():
                record = AgentRecord.model_validate_json(item.data)
                records[record.app_id] = (record, item.etag)
        return records

    async def get(self, app_id: str) -> Stored | None:
        item = await self._reads.submit(record_key(app_id))
        return None if item is None else (AgentRecord.model_validate_json(item.data), item.etag)

    async def _read_batch(self, keys: list[str]) -> list[StateItem | BaseException | None]:
        found = await self._dapr.get_many(self._store, sorted(set(keys)))
        return [found.get(key) for key in keys]

    async def save(
        self,
        record: AgentRecord,
        etag: str | None,
        *,
        replaces: AgentRecord | None = None,
        announce: bool = False,
    ) -> None:
        """Write a record; EtagMismatch when someone wrote it since `etag` was read.

        The change log hears of it when it differs from `replaces` (the record
        read with `etag`) in more than liveness, or when `announce`.
        """
        announce = announce or announces(replaces, record)
        data = record.model_dump_json().encode()
        await self._writes.write(RecordWrite(record.app_id, data, etag, announce))

    async def delete(self, app_id: str, etag: str | None) -> None:
        await self._writes.write(RecordWrite(app_id, None, etag, announce=True))

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

        await self._refusals.apply(apply)
