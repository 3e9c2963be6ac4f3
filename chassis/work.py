"""Bounded work: CPU-heavy jobs run in worker processes, each within a time budget.

A job that computes (a big number, a parse, a model) must not run on the event
loop: there it stops heartbeats, probes and every other request of the agent,
and nothing can interrupt it. `ProcessWork` runs a job (a picklable callable
without arguments, e.g. `functools.partial(evaluate, text)`) in a pool of
worker processes (pebble) and gives it a budget of running time: the agent's
default (`HUBSPOKE_WORK_BUDGET_SECONDS`), or less when the task's deadline
(the A2A message's `metadata.hubspoke.deadline`) comes sooner. Past the budget
the worker is killed and replaced, and the caller gets `WorkBudgetExceeded`, a
refusal with a reason, never a hang. Waiting for a free worker is bounded by
the deadline (`chassis.a2a_server` cancels the step, and with it the job).
Threads could not do this: a running bigint operation cannot be stopped, and
holds the GIL.

Exception tree (see `chassis.errors`):

    UnprocessableError
    └── WorkBudgetExceeded    the job ran past its budget (or its worker died)
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import multiprocessing
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Protocol, TypeVar

from pebble import ProcessExpired, ProcessFuture, ProcessPool

from chassis.contract import DEADLINE_HEADER, remaining_seconds
from chassis.errors import UnprocessableError
from chassis.settings import AgentSettings

__all__ = ["ProcessWork", "WorkBudgetExceeded", "WorkPort", "deadline_of", "open_work"]

log = logging.getLogger(__name__)

T = TypeVar("T")
# Spawned, not forked: the agent process runs threads (uvicorn, telemetry exporters),
# and a fork copies their locks in whatever state they are.
_CONTEXT = multiprocessing.get_context("spawn")


class WorkBudgetExceeded(UnprocessableError):
    """The job did not finish within its budget; it was stopped."""


class WorkPort(Protocol):
    """Where an agent's service runs CPU-heavy jobs; tests swap in an inline runner."""

    async def run(self, job: Callable[[], T], *, deadline: datetime | None = None) -> T:
        """The job's result; raises `WorkBudgetExceeded` past the budget, or what the job raised."""
        ...


def deadline_of(headers: Mapping[str, str]) -> datetime | None:
    """The task's deadline from a request's `Hubspoke-Deadline` header, if it carries one.

    `chassis.deadline.DeadlineGuard` has answered 400 to a malformed value already.
    """
    raw = headers.get(DEADLINE_HEADER)
    if raw is None:
        return None
    try:
        return datetime.fromtimestamp(float(raw), UTC)
    except (ValueError, OverflowError):
        return None


def _ready() -> None:
    """A no-op job: scheduling it starts the pool's workers."""


def _preload(modules: Sequence[str]) -> None:
    """Run in each new worker: import the job code before the first job's budget runs."""
    for module in modules:
        importlib.import_module(module)


class ProcessWork:
    """A `WorkPort` over a pebble process pool with a hard time limit per job.

    `budget_s` is the default budget of one job (seconds); `processes` the
    number of worker processes (jobs beyond it wait for a free one); `preload`
    the modules each worker imports when it starts (the job code), so a
    replaced worker is ready before its next job.
    """

    def __init__(self, *, budget_s: float, processes: int, preload: Sequence[str] = ()) -> None:
        self.budget_s = budget_s
        self._processes = processes
        self._preload = tuple(preload)
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPool:
        return ProcessPool(
            max_workers=self._processes,
            initializer=_preload,
            initargs=(self._preload,),
            context=_CONTEXT,
        )

    def start(self) -> None:
        """Start the workers now, so the first job does not pay for their start."""
        self._schedule(_ready, self.budget_s)

    async def aclose(self) -> None:
        self._pool.stop()  # type: ignore[no-untyped-call]  # pebble leaves it untyped
        await asyncio.to_thread(self._pool.join, 10)

    def budget_for(self, deadline: datetime | None) -> float:
        """The default budget, or the time left before `deadline` when that is shorter."""
        if deadline is None:
            return self.budget_s
        return min(self.budget_s, remaining_seconds(deadline))

    async def run(self, job: Callable[[], T], *, deadline: datetime | None = None) -> T:
        budget = self.budget_for(deadline)
        if budget <= 0:
            raise WorkBudgetExceeded("the task's deadline passed before the computation started")
        # The budget counts from when a worker takes the job (pebble's timer): time spent
        # waiting for a worker (all busy, or still starting) is bounded by the task's deadline.
        future = self._schedule(job, budget)
        try:
            return await asyncio.wrap_future(future)
        except TimeoutError as exc:
            raise WorkBudgetExceeded(
                f"the computation exceeded its {budget:.1f} s budget", budget_s=round(budget, 3)
            ) from exc
        except ProcessExpired as exc:
            raise WorkBudgetExceeded(
                f"the computation's worker process stopped (exit code {exc.exitcode})"
            ) from exc
        finally:
            # The request was cancelled (its deadline passed): the job is dropped, and if a
            # worker has it already, that worker is killed and pebble starts another.
            future.cancel()  # type: ignore[no-untyped-call]

    def _schedule(self, job: Callable[[], T], budget: float) -> ProcessFuture[T]:
        try:
            future = self._pool.schedule(job, timeout=budget)
        except RuntimeError:
            # pebble marks a pool broken when an idle worker dies; a new pool serves on.
            log.warning("work pool broken; starting a new one")
            self._pool.stop()  # type: ignore[no-untyped-call]  # pebble leaves it untyped
            self._pool = self._new_pool()
            future = self._pool.schedule(job, timeout=budget)
        return future


@asynccontextmanager
async def open_work(
    work: WorkPort | None, settings: AgentSettings, preload: Sequence[str] = ()
) -> AsyncIterator[WorkPort]:
    """The given port (tests), or a process pool from the settings, closed on exit.

    The workers start now when the agent names its job code (`preload`), else on the
    first job: an agent that never runs one never starts a process.
    """
    if work is not None:
        yield work
        return
    pool = ProcessWork(
        budget_s=settings.work_budget_seconds,
        processes=settings.work_processes,
        preload=preload,
    )
    if preload:
        pool.start()
    try:
        yield pool
    finally:
        await pool.aclose()
