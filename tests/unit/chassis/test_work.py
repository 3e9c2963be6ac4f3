"""ProcessWork runs jobs in real worker processes (spawned), with a hard time budget."""

from __future__ import annotations

import asyncio
import functools
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psutil
import pytest

from chassis.errors import UnprocessableError
from chassis.work import ProcessWork, WorkBudgetExceeded, deadline_of
from tests.unit.chassis.jobs import divide, pause_then_pid, spin_forever, worker_pid

BUDGET_S = 2.0


@pytest.fixture(scope="module")
def work() -> Iterator[ProcessWork]:
    pool = ProcessWork(budget_s=BUDGET_S, processes=2, preload=["tests.unit.chassis.jobs"])
    pool.start()
    asyncio.run(_started(pool))
    yield pool
    asyncio.run(pool.aclose())


async def _started(pool: ProcessWork) -> None:
    """Wait for the spawned workers (seconds on a busy machine); waiting costs no budget."""
    await asyncio.gather(*(pool.run(worker_pid) for _ in range(2)))


async def _both_workers_up(pool: ProcessWork) -> None:
    """Until two jobs at once run on two workers (an earlier test may have had one killed)."""
    while len(set(await asyncio.gather(pool.run(pause_then_pid), pool.run(pause_then_pid)))) < 2:
        pass


async def test_a_job_runs_in_another_process_and_returns_its_result(work: ProcessWork) -> None:
    assert await work.run(functools.partial(divide, 1, 4)) == 0.25
    assert await work.run(worker_pid) != os.getpid()


async def test_a_job_past_its_budget_is_stopped_and_refused(work: ProcessWork) -> None:
    started = time.monotonic()
    with pytest.raises(WorkBudgetExceeded, match=r"exceeded its 2\.0 s budget") as refused:
        await work.run(spin_forever)
    print(f"runaway job refused after {time.monotonic() - started:.2f} s")
    assert isinstance(refused.value, UnprocessableError)
    # Its worker was replaced: the pool still answers.
    assert await work.run(functools.partial(divide, 9, 3)) == 3.0


async def test_the_event_loop_and_other_jobs_go_on_while_a_job_spins(work: ProcessWork) -> None:
    await _both_workers_up(work)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.05)
            ticks += 1

    ticker = asyncio.create_task(tick())
    runaway = asyncio.create_task(work.run(spin_forever))
    await asyncio.sleep(0.2)
    assert await work.run(functools.partial(divide, 6, 2)) == 3.0
    assert not runaway.done()  # the other worker answered while the runaway job ran
    with pytest.raises(WorkBudgetExceeded):
        await runaway
    ticker.cancel()
    assert ticks > 0, "the event loop ran other tasks while the job spun"


async def test_the_task_deadline_shortens_the_budget(work: ProcessWork) -> None:
    soon = datetime.now(UTC) + timedelta(seconds=0.3)
    assert work.budget_for(soon) < 0.31
    assert work.budget_for(None) == BUDGET_S
    assert work.budget_for(datetime.now(UTC) + timedelta(hours=1)) == BUDGET_S
    with pytest.raises(WorkBudgetExceeded, match=r"exceeded its 0\.[0-3] s budget"):
        await work.run(spin_forever, deadline=soon)
    with pytest.raises(WorkBudgetExceeded, match="deadline passed before"):
        await work.run(worker_pid, deadline=datetime.now(UTC) - timedelta(seconds=1))


async def test_a_cancelled_request_kills_its_job(work: ProcessWork) -> None:
    await _both_workers_up(work)
    before = {child.pid for child in psutil.Process().children()}
    runaway = asyncio.create_task(work.run(spin_forever))
    await asyncio.sleep(0.5)
    runaway.cancel()  # what the deadline guard does when the task's deadline passes
    with pytest.raises(asyncio.CancelledError):
        await runaway
    for _ in range(100):  # pebble looks every 0.1 s
        killed = before - {child.pid for child in psutil.Process().children()}
        if killed:
            break
        await asyncio.sleep(0.1)
    assert len(killed) == 1, (before, psutil.Process().children())
    assert await work.run(functools.partial(divide, 8, 2)) == 4.0


async def test_what_a_job_raises_reaches_the_caller(work: ProcessWork) -> None:
    with pytest.raises(ZeroDivisionError):
        await work.run(functools.partial(divide, 1, 0))


def test_deadline_header_is_read() -> None:
    assert deadline_of({}) is None
    assert deadline_of({"Hubspoke-Deadline": "1700000000.5"}) == datetime.fromtimestamp(
        1700000000.5, UTC
    )
