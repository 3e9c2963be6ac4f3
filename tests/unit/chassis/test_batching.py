from __future__ import annotations

import asyncio

import pytest

from chassis.batching import Batcher


async def test_requests_arriving_together_are_served_in_one_batch() -> None:
    batches: list[list[int]] = []

    async def serve(items: list[int]) -> list[int | BaseException]:
        batches.append(items)
        return [i * 10 for i in items]

    batcher: Batcher[int, int] = Batcher(serve)
    assert await asyncio.gather(*(batcher.submit(i) for i in range(5))) == [0, 10, 20, 30, 40]
    assert batches == [[0, 1, 2, 3, 4]]


async def test_each_caller_gets_its_own_error_and_a_failed_batch_fails_all() -> None:
    async def serve(items: list[int]) -> list[int | BaseException]:
        if 0 in items:
            raise RuntimeError("store down")
        return [ValueError(i) if i % 2 else i for i in items]

    batcher: Batcher[int, int] = Batcher(serve, max_batch=2)
    results = await asyncio.gather(*(batcher.submit(i) for i in (2, 3)), return_exceptions=True)
    assert results[0] == 2
    assert isinstance(results[1], ValueError)
    with pytest.raises(RuntimeError, match="store down"):
        await batcher.submit(0)
