from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pydantic import BaseModel

from chassis.dapr import EtagMismatch
from chassis.documents import BatchedDocument, update_document
from chassis.testing import InMemoryDapr


class Counter(BaseModel):
    value: int = 0


def increment(counter: Counter) -> bool:
    counter.value += 1
    return True


async def read(dapr: InMemoryDapr) -> int:
    item = await dapr.get_state("s", "k")
    return 0 if item is None else Counter.model_validate_json(item.data).value


async def test_concurrent_writers_lose_no_update() -> None:
    dapr = InMemoryDapr()
    await asyncio.gather(*(update_document(dapr, "s", "k", Counter, increment) for _ in range(10)))
    assert await read(dapr) == 10


async def test_a_change_that_wants_no_write_writes_nothing() -> None:
    dapr = InMemoryDapr()
    assert await update_document(dapr, "s", "k", Counter, lambda c: False) is False
    assert await dapr.get_state("s", "k") is None


async def test_gives_up_after_every_attempt_lost() -> None:
    dapr = InMemoryDapr()
    dapr.conflicts_to_inject = 3
    with pytest.raises(EtagMismatch, match="still contended after 3 attempts"):
        await update_document(dapr, "s", "k", Counter, increment, attempts=3)


class CountingDapr(InMemoryDapr):
    """Counts state writes, to see how many read-modify-writes a batch took."""

    writes = 0

    async def save_state(self, store: str, key: str, data: bytes, **options: Any) -> None:
        self.writes += 1
        await super().save_state(store, key, data, **options)


async def test_concurrent_changes_to_a_batched_document_are_written_together() -> None:
    dapr = CountingDapr()
    document = BatchedDocument(dapr, "s", "k", Counter)
    evens_only = [lambda c, n=n: n % 2 == 0 and increment(c) for n in range(50)]
    answers = await asyncio.gather(*(document.apply(change) for change in evens_only))
    assert answers == [n % 2 == 0 for n in range(50)]  # each caller gets its own answer
    assert await read(dapr) == 25
    assert dapr.writes <= 3  # not 25


async def test_a_failed_batch_write_fails_every_change_in_it() -> None:
    dapr = InMemoryDapr()
    dapr.conflicts_to_inject = 1000
    document = BatchedDocument(dapr, "s", "k", Counter)
    results = await asyncio.gather(
        *(document.apply(increment) for _ in range(5)), return_exceptions=True
    )
    assert all(isinstance(r, EtagMismatch) for r in results)
    dapr.conflicts_to_inject = 0
    assert await document.apply(increment) is True  # the next batch is written
    assert await read(dapr) == 1
