"""Record writes, committed in batches: one state transaction per batch, whatever its size.

Registrations and heartbeats arrive concurrently (Dapr delivers many messages
at once), and through the SQLite store one write costs about as much as a
transaction of a hundred (a commit each). So concurrent writes are gathered
(`chassis.batching.Batcher`) and each batch is committed as ONE transaction
holding its records (each ETag-checked as before), the index buckets of
agents that came or went (index.py), and one change-log entry naming the
agents others must hear of (changes.py).

A transaction fails as a whole, and the store does not say which write lost
its race: then the records are read again, the writes whose ETag went stale
fail alone (EtagMismatch: the caller re-reads and retries, as it would
have), and the rest commit again (a lost race on a bucket or the log's
`seq` is simply retried with fresh copies).
"""

from __future__ import annotations

from dataclasses import dataclass

from chassis.batching import Batcher
from chassis.dapr import DaprError, DaprPort, EtagMismatch, StateItem, StateWrite
from orchestrator.registry.changes import HEAD, entry_writes, head_of
from orchestrator.registry.index import bucket_key, bucket_writes

__all__ = ["RecordWrite", "RecordWriter", "record_key"]

_ATTEMPTS = 20
MAX_BATCH = 100


def record_key(app_id: str) -> str:
    return f"agent-{app_id}"


@dataclass(frozen=True)
class RecordWrite:
    """Store `data` (a record's JSON; None deletes it) if its ETag is still `etag`
    (None: only if absent); `announce` adds the app-id to the change log."""

    app_id: str
    data: bytes | None
    etag: str | None
    announce: bool


class RecordWriter:
    """Commits concurrent `RecordWrite`s together, as replica `writer` of the change log."""

    def __init__(self, dapr: DaprPort, store: str, writer: str) -> None:
        self._dapr = dapr
        self._store = store
        self._writer = writer
        self._batches: Batcher[RecordWrite, None] = Batcher(self._serve, max_batch=MAX_BATCH)

    async def write(self, write: RecordWrite) -> None:
        """Once committed; EtagMismatch if the record changed since it was read."""
        await self._batches.submit(write)

    async def _serve(self, batch: list[RecordWrite]) -> list[BaseException | None]:
        answers: dict[int, BaseException | None] = {}
        pending: list[int] = []
        seen: set[str] = set()
        for i, write in enumerate(batch):
            # A second write of one record in one transaction would always lose: it
            # was read before the first; its caller re-reads and retries.
            if write.app_id in seen:
                answers[i] = EtagMismatch(f"{record_key(write.app_id)} is being written")
            else:
                seen.add(write.app_id)
                pending.append(i)
        error: DaprError | None = None
        for _ in range(_ATTEMPTS):
            if not pending:
                break
            try:
                await self._commit([batch[i] for i in pending])
            except DaprError as exc:
                error = exc
                lost = await self._lost([batch[i] for i in pending])
                for i in pending:
                    if batch[i].app_id in lost:
                        answers[i] = EtagMismatch(f"{record_key(batch[i].app_id)} changed")
                pending = [i for i in pending if batch[i].app_id not in lost]
                continue
            answers.update(dict.fromkeys(pending))
            pending = []
        for i in pending:  # still failing, not for a stale record: the store's own error
            answers[i] = error or DaprError("record writes still contended")
        return [answers[i] for i in range(len(batch))]

    async def _commit(self, writes: list[RecordWrite]) -> None:
        added = [w.app_id for w in writes if w.data is not None and w.etag is None]
        removed = [w.app_id for w in writes if w.data is None]
        announced = [w.app_id for w in writes if w.announce]
        keys = sorted({bucket_key(a) for a in added + removed} | ({HEAD} if announced else set()))
        found = await self._dapr.get_many(self._store, keys) if keys else {}
        operations = [
            StateWrite(record_key(w.app_id), w.data, etag=w.etag, create_only=w.etag is None)
            for w in writes
        ]
        operations += bucket_writes(found, added, removed)
        if announced:
            operations += entry_writes(head_of(found.get(HEAD)), self._writer, announced)
        await self._dapr.transact(self._store, operations)

    async def _lost(self, writes: list[RecordWrite]) -> set[str]:
        """App-ids whose write can no longer succeed: the record changed since read."""
        current = await self._dapr.get_many(self._store, [record_key(w.app_id) for w in writes])
        return {w.app_id for w in writes if _stale(w, current.get(record_key(w.app_id)))}


def _stale(write: RecordWrite, current: StateItem | None) -> bool:
    if write.etag is None:
        return current is not None
    return current is None or current.etag != write.etag
