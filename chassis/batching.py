"""Requests from concurrent tasks, served together: one call to the sidecar per batch.

`Batcher.submit(item)` queues an item and waits for its own answer. The
first item starts a worker; items queued while it serves a batch form the
next one, so a lone request is served at once (no timer) and a burst costs
a few calls instead of one each. The same idea as `BatchedDocument`, for any
`serve(items) -> answers` (e.g. one bulk read, one state transaction).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

__all__ = ["Batcher"]

I = TypeVar("I")  # noqa: E741 - the item type
O = TypeVar("O")  # noqa: E741 - the answer type


class Batcher(Generic[I, O]):
    """Serve concurrent `submit` calls in batches of at most `max_batch` items.

    `serve` receives the items and returns, in the same order, each item's
    answer or the exception its caller should get; an exception `serve`
    raises goes to every caller of that batch.
    """

    def __init__(
        self,
        serve: Callable[[list[I]], Awaitable[list[O | BaseException]]],
        *,
        max_batch: int = 256,
    ) -> None:
        self._serve = serve
        self._max_batch = max_batch
        self._pending: list[tuple[I, asyncio.Future[O]]] = []
        self._worker: asyncio.Task[None] | None = None

    async def submit(self, item: I) -> O:
        """The answer to `item`, once the batch holding it is served."""
        future: asyncio.Future[O] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._work())
        return await future

    async def _work(self) -> None:
        while self._pending:
            batch = self._pending[: self._max_batch]
            del self._pending[: self._max_batch]
            try:
                answers = await self._serve([item for item, _ in batch])
            except Exception as exc:  # every caller of the batch gets the failure
                answers = [exc] * len(batch)
            for (_, future), answer in zip(batch, answers, strict=True):
                if future.done():  # its caller was cancelled
                    continue
                if isinstance(answer, BaseException):
                    future.set_exception(answer)
                else:
                    future.set_result(answer)
