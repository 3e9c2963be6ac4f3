"""A value built once on a thread of its own, so that a service is ready before it is built.

Some of what a service holds costs seconds to build and is needed by no
readiness check, only by the requests that use it: the orchestrator's
Semantic Kernel planner (SK's imports), the knowledge agent's index (SK,
bm25s and scipy's imports, then embedding the documents). Built on a
thread started at start-up, it is ready a few seconds after the service,
and a request that comes first awaits the rest of the build instead of the
service's start-up awaiting all of it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

__all__ = ["BuiltOnThread"]

log = logging.getLogger(__name__)

T = TypeVar("T")


class BuiltOnThread(Generic[T]):
    """`build()` run once, on a thread named `name`, from construction.

    An error `build` raises is logged once and raised again by every `get`.
    """

    def __init__(self, build: Callable[[], T], *, name: str) -> None:
        self._name = name
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._building: Future[T] = pool.submit(build)
        pool.shutdown(wait=False)  # takes no more work; the build runs on
        self._building.add_done_callback(self._log_failure)

    def built(self) -> T | None:
        """The value if it is built, else None (also while a failed build's error stands)."""
        if self._building.done() and self._building.exception() is None:
            return self._building.result()
        return None

    async def get(self) -> T:
        """The value, once built (awaits the build; raises the build's error)."""
        return await asyncio.wrap_future(self._building)

    def _log_failure(self, building: Future[T]) -> None:
        error = building.exception()
        if error is not None:
            log.error("%s not built: requests that need it will fail", self._name, exc_info=error)
