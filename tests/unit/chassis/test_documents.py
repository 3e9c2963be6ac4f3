from __future__ import annotations

import asyncio

import pytest
from pydantic import BaseModel

from chassis.dapr import EtagMismatch
from chassis.documents import update_document
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
