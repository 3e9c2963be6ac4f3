"""One JSON document in the state store, changed safely by concurrent writers.

`update_document` reads the document and its ETag, applies a change, and
writes it back only if nobody wrote it meanwhile (a new document is created
only if still absent); on a lost race it reads again and re-applies the
change. Every read-modify-write of shared state goes through here;
`BatchedDocument` groups concurrent changes into one such write.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

from pydantic import BaseModel

from chassis.dapr import DaprPort, EtagMismatch

__all__ = ["BatchedDocument", "update_document"]

M = TypeVar("M", bound=BaseModel)


async def update_document(
    dapr: DaprPort,
    store: str,
    key: str,
    model: type[M],
    change: Callable[[M], bool],
    *,
    attempts: int = 20,
    ttl_s: int | None = None,
) -> bool:
    """Apply `change` (it mutates the document; False means "nothing to write").

    A missing document starts as `model()`. Returns what `change` returned
    on the attempt that was written; raises EtagMismatch if every attempt lost.
    With `ttl_s`, each write sets the document to expire that many seconds
    later (Dapr's `ttlInSeconds`).
    """
    for _ in range(attempts):
        item = await dapr.get_state(store, key)
        document = model() if item is None else model.model_validate_json(item.data)
        if not change(document):
            return False
        try:
            await dapr.save_state(
                store,
                key,
                document.model_dump_json().encode(),
                etag=None if item is None else item.etag,
                create_only=item is None,
                ttl_s=ttl_s,
            )
        except EtagMismatch:
            continue
        return True
    raise EtagMismatch(f"{store}/{key} still contended after {attempts} attempts")


class BatchedDocument(Generic[M]):
    """One document that many concurrent requests change: their changes are written
    together, one read-modify-write per batch instead of one each.

    Changes that arrive while a batch is being written form the next batch, so
    nothing waits for a timer and a lone change is written at once. Under load
    this turns N contended writes (ETag conflicts, retries) into a few.
    """

    def __init__(self, dapr: DaprPort, store: str, key: str, model: type[M]) -> None:
        self._dapr = dapr
        self._store = store
        self._key = key
        self._model = model
        self._pending: list[tuple[Callable[[M], bool], asyncio.Future[bool]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def apply(self, change: Callable[[M], bool]) -> bool:
        """What `change` returned, once the batch holding it is stored."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((change, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_batches())
        return await future

    async def _write_batches(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            await self._write(batch)

    async def _write(self, batch: list[tuple[Callable[[M], bool], asyncio.Future[bool]]]) -> None:
        answers: list[bool] = []

        def change_all(document: M) -> bool:
            answers[:] = [change(document) for change, _ in batch]  # again on a retry
            return any(answers)

        try:
            await update_document(self._dapr, self._store, self._key, self._model, change_all)
        except Exception as exc:  # every caller of the batch gets the failure
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), answer in zip(batch, answers, strict=True):
            if not future.done():
                future.set_result(answer)
