"""Accepted asynchronous work survives a restart: of an agent, an orchestrator replica, Redis.

One stack of its own (two orchestrator replicas, so a client always has one to
reach; the fault suite's shorter timings, asynchronous deadline 120 s). For each
fault, 20 asynchronous tasks for the calculator go in, the fault strikes after
the 6th is accepted, and the processes crash from outside (SIGKILL to the pid):
the launcher's supervisor restarts them, as Kubernetes would. Every accepted
task must complete with the right answer, and the calculator's own log says
how often it evaluated each one: once. The figures are printed per fault.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from launcher import LocalStack
from launcher.stack import instance_name
from tests.integration.conftest import module_stack, wait_registered
from tests.integration.test_faults import FAULT_TIMINGS, submit, wait_all_final
from tests.integration.test_replicas import calculator_work, wait_until

TASKS = 20
FAULT_AFTER = 6  # accepted tasks before the fault strikes
ORCHESTRATORS = 2
RESTART_TIMINGS = {**FAULT_TIMINGS, "ORCHESTRATOR_ASYNC_TASK_DEADLINE_SECONDS": "120"}


@pytest.fixture(scope="module")
def restarts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with module_stack(
        tmp_path_factory.mktemp("restarts"),
        env=RESTART_TIMINGS,
        replicas={"orchestrator": ORCHESTRATORS},
    ) as stack:
        yield stack


@dataclass
class Figures:
    """What one fault did to 20 tasks; `refused` counts answers that were not 202
    (a client tries again), `run_twice` the tasks the calculator evaluated more than once."""

    fault: str
    accepted: int
    completed: int
    failed: int
    run_twice: int
    refused: int

    def __str__(self) -> str:
        return (
            f"{self.fault}: {self.accepted} accepted, {self.completed} completed, "
            f"{self.failed} failed, {self.run_twice} run twice ({self.refused} refused)"
        )


def submit_to_any(stack: LocalStack, text: str, first: int) -> tuple[str | None, int, Any]:
    """Submit to orchestrator `first`, else to the next one that answers at all, as a load
    balancer in front of the replicas does; (task id if accepted, status, body)."""
    result: tuple[str | None, int, Any] = (None, 0, "no replica answered")
    for offset in range(ORCHESTRATORS):
        result = submit(stack, text, instance=(first + offset) % ORCHESTRATORS)
        if result[1] != 0:
            return result
    return result


def crash(stack: LocalStack, name: str) -> Callable[[], None]:
    """SIGKILL process `name` from outside, and wait until the supervisor restarted it."""

    def strike() -> None:
        process = stack.supervisor[name]
        pid, restarts = process.pid, process.restarts
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: process.restarts > restarts and process.alive, f"{name} restarted", 60)

    return strike


def run_with_fault(stack: LocalStack, fault: str, strike: Callable[[], None]) -> Figures:
    """Submit TASKS tasks `n * 3` (trying again when refused), `strike` in the background
    once FAULT_AFTER are accepted; wait for every accepted task to end and count."""
    already = set(sum(calculator_work(stack).values(), Counter[str]()))
    accepted: list[str] = []
    refused: list[tuple[int, Any]] = []
    striker = threading.Thread(target=strike, daemon=True)
    n = 0
    while len(accepted) < TASKS:
        n += 1
        assert n < 20 * TASKS, f"{fault}: only {len(accepted)} accepted; refusals {refused[-3:]}"
        task_id, status, body = submit_to_any(stack, f"{n} * 3", first=n % ORCHESTRATORS)
        if task_id is None:
            refused.append((status, body))
            time.sleep(0.2)
            continue
        accepted.append(task_id)
        if len(accepted) == FAULT_AFTER:
            striker.start()
    striker.join(timeout=120)
    assert not striker.is_alive(), f"{fault}: the fault never finished"

    tasks = wait_all_final(stack, accepted, timeout_s=240, instance=0)
    completed = [t for t in tasks.values() if t["status"] == "completed"]
    for task in completed:
        n = int(task["input"].split()[0])
        assert task["output"] == f"{n} * 3 = {n * 3}", task
    work = sum(calculator_work(stack).values(), Counter[str]())
    figures = Figures(
        fault=fault,
        accepted=len(accepted),
        completed=len(completed),
        failed=len(tasks) - len(completed),
        run_twice=sum(1 for task_id in accepted if work[task_id] > 1),
        refused=len(refused),
    )
    print(figures)
    failures = [(t["error"], t["steps"]) for t in tasks.values() if t["status"] != "completed"]
    assert not failures, (str(figures), failures[:3])
    assert not already & set(accepted)
    assert set(accepted) <= set(work), f"never evaluated: {set(accepted) - set(work)}"
    assert figures.run_twice == 0, work.most_common(3)
    return figures


def test_an_agent_killed_and_restarted_answers_all_its_queued_work(
    restarts: LocalStack,
) -> None:
    figures = run_with_fault(restarts, "agent app SIGKILL", crash(restarts, "calculator"))
    assert (figures.accepted, figures.completed) == (TASKS, TASKS)
    wait_registered(restarts, ("calculator",), timeout_s=120)


def test_an_orchestrator_replica_killed_mid_task_loses_no_task_and_refuses_none(
    restarts: LocalStack,
) -> None:
    replica = instance_name("orchestrator", ORCHESTRATORS - 1)
    figures = run_with_fault(restarts, "orchestrator replica SIGKILL", crash(restarts, replica))
    assert (figures.accepted, figures.completed) == (TASKS, TASKS)
    assert figures.refused == 0  # the other replica took every request meanwhile
    restarts.wait_healthy("orchestrator", timeout_s=180, instance=ORCHESTRATORS - 1)


def test_a_redis_restart_loses_no_accepted_task(restarts: LocalStack) -> None:
    figures = run_with_fault(restarts, "Redis restart", restarts.restart_redis)
    assert (figures.accepted, figures.completed) == (TASKS, TASKS)
    wait_registered(restarts, timeout_s=120)  # heartbeats flow again
