"""Fault injection on real sidecars: agents, the orchestrator and Redis fail under load.

These run on a stack of their own (they kill its processes) with shorter
timings: agent calls 5 s, asynchronous tasks 40 s, redelivery of
unacknowledged messages after 10 s.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from launcher import LocalStack
from tests.integration.conftest import (
    FAST_REGISTRY,
    PULLED,
    agent_spec,
    module_stack,
    wait_registered,
)

SLOW_AGENT = agent_spec("abacus", "tests.integration.slow_agent", PULLED)
FAULT_TIMINGS = {
    **FAST_REGISTRY,
    "ORCHESTRATOR_UNHEALTHY_AFTER_SECONDS": "5",  # a Redis restart may pause heartbeats
    "ORCHESTRATOR_REMOVE_AFTER_SECONDS": "60",
    "ORCHESTRATOR_AGENT_TIMEOUT_SECONDS": "5",
    "ORCHESTRATOR_ASYNC_TASK_DEADLINE_SECONDS": "40",
    "HUBSPOKE_PUBSUB_PROCESSING_TIMEOUT": "10s",
    "HUBSPOKE_TASKQUEUE_PROCESSING_TIMEOUT": "10s",
}


@pytest.fixture(scope="module")
def faults(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with module_stack(
        tmp_path_factory.mktemp("faults"),
        env=FAULT_TIMINGS,
        extra_apps=(SLOW_AGENT,),
        extra_resources=(Path(__file__).parent / "resources",),
    ) as stack:
        yield stack


def submit(stack: LocalStack, text: str, *, instance: int = 0) -> tuple[str | None, int, Any]:
    """POST an async task to one orchestrator instance: (task id if accepted, status, body);
    connection errors give 0."""
    try:
        with stack.client("orchestrator", instance=instance) as client:
            response = client.post("/v1/tasks", json={"input": text, "mode": "async"})
    except httpx.TransportError as exc:
        return None, 0, repr(exc)
    body = response.json()
    return (body["id"] if response.status_code == 202 else None), response.status_code, body


def wait_all_final(
    stack: LocalStack, ids: list[str], timeout_s: float, *, instance: int = 0
) -> dict[str, Any]:
    """Every task in its final state, read from one orchestrator instance, or the test
    fails naming the stragglers."""
    deadline = time.monotonic() + timeout_s
    final: dict[str, Any] = {}
    with stack.client("orchestrator", instance=instance) as client:
        while True:
            for task_id in set(ids) - set(final):
                try:
                    task = client.get(f"/v1/tasks/{task_id}").json()
                except httpx.TransportError:
                    continue
                if task["status"] in ("completed", "failed"):
                    final[task_id] = task
            if len(final) == len(ids):
                return final
            if time.monotonic() > deadline:
                stuck = sorted(set(ids) - set(final))
                pytest.fail(f"{len(stuck)} of {len(ids)} tasks never finished: {stuck[:5]}")
            time.sleep(0.2)


class Load:
    """Submits async tasks from a background thread until stopped, in turn to each of
    `instances` orchestrator instances."""

    def __init__(self, stack: LocalStack, interval_s: float = 0.05, *, instances: int = 1) -> None:
        self.accepted: list[str] = []
        self._instances = instances
        self.refused: list[tuple[int, Any]] = []
        self._stack = stack
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Load:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            task_id, status, body = submit(self._stack, f"{n} + {n}", instance=n % self._instances)
            if task_id is not None:
                self.accepted.append(task_id)
            else:
                self.refused.append((status, body))
            time.sleep(self._interval_s)


def test_killing_an_agent_with_50_tasks_in_flight_loses_none(faults: LocalStack) -> None:
    accepted: list[str] = []
    killed = threading.Event()

    def one(n: int) -> None:
        task_id, status, body = submit(faults, f"{n} * 3")
        assert task_id is not None, (status, body)
        accepted.append(task_id)
        if len(accepted) == 10 and not killed.is_set():
            killed.set()
            faults.kill_app("calculator")

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(one, range(50)))
    assert len(accepted) == 50
    tasks = wait_all_final(faults, accepted, timeout_s=60)
    completed = [t for t in tasks.values() if t["status"] == "completed"]
    failed = [t for t in tasks.values() if t["status"] == "failed"]
    for task in completed:
        assert task["output"] == f"{task['input']} = {int(task['input'].split()[0]) * 3}"
    for task in failed:
        assert "calculator" in task["error"] or "deadline" in task["error"], task["error"]
    print(f"agent killed: {len(completed)} completed, {len(failed)} failed with a reason")
    assert failed, "the kill came too late to hit any task"

    faults.start_app("calculator")
    wait_registered(faults, ("calculator",), timeout_s=30, since=datetime.now(UTC))
    # Work queued while it was down drains first (stale work is answered 504 at once).
    back = time.monotonic()
    while True:
        task_id, _, _ = submit(faults, "6 * 7")
        assert task_id is not None
        after = wait_all_final(faults, [task_id], timeout_s=45)[task_id]
        if after["status"] == "completed":
            break
        assert time.monotonic() - back < 60, ("agent not back", after["error"])
    assert after["output"] == "6 * 7 = 42"
    print(f"new work answered {time.monotonic() - back:.1f}s after the agent was healthy")


def test_killing_the_orchestrator_mid_load_loses_no_accepted_task(faults: LocalStack) -> None:
    with Load(faults) as load:
        time.sleep(2.0)
        faults.kill_app("orchestrator")
        time.sleep(0.5)
        faults.start_app("orchestrator")
        time.sleep(1.0)
    assert len(load.accepted) > 5
    tasks = wait_all_final(faults, load.accepted, timeout_s=60)
    not_completed = [(t["error"], t["steps"]) for t in tasks.values() if t["status"] != "completed"]
    assert not not_completed, not_completed[:3]
    print(f"orchestrator killed: {len(load.accepted)} accepted tasks all completed")


def test_restarting_redis_loses_no_accepted_task(faults: LocalStack) -> None:
    with Load(faults) as load:
        time.sleep(1.0)
        faults.restart_redis()
        time.sleep(2.0)
    assert len(load.accepted) > 5
    for status, body in load.refused:  # refused while Redis was down, and said why
        assert status == 503, (status, body)
        assert "could not be queued" in body["detail"]
    tasks = wait_all_final(faults, load.accepted, timeout_s=60)
    not_completed = [(t["error"], t["steps"]) for t in tasks.values() if t["status"] != "completed"]
    assert not not_completed, not_completed[:3]
    print(
        f"Redis restarted: {len(load.accepted)} accepted all completed, {len(load.refused)} refused"
    )
    wait_registered(faults, timeout_s=20)  # heartbeats flow again


def test_a_slow_agent_trips_timeout_and_breaker_and_the_fallback_answers(
    faults: LocalStack,
) -> None:
    with faults.client("orchestrator") as client:
        assert client.post("/v1/agents", json={"app_id": "abacus"}).status_code == 201
        first = client.post("/v1/tasks", json={"input": "compute 2+3"}).json()
        # The planner chose the slow agent; Dapr's 1 s timeout failed it, the calculator answered.
        assert first["status"] == "completed", first
        assert first["output"] == "2 + 3 = 5"
        assert [(s["agent"], s["status"]) for s in first["steps"]] == [
            ("abacus", "failed"),
            ("calculator", "completed"),
        ]
        timings = []
        for _ in range(6):
            started = time.monotonic()
            task = client.post("/v1/tasks", json={"input": "compute 2+3"}).json()
            timings.append(time.monotonic() - started)
            assert (task["status"], task["output"]) == ("completed", "2 + 3 = 5"), task
    with faults.client("abacus") as agent:
        calls = agent.get("/v1/calls").json()
    # Once the breaker is open, calls fail fast and never reach the agent.
    assert calls <= 3, calls
    assert min(timings[-3:]) < 0.9, timings
    print(f"slow agent: {calls} calls reached it; task times {[round(t, 2) for t in timings]}")
