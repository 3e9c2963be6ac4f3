"""Two orchestrator replicas and two calculator replicas, each beside its own real daprd.

The replicas share what Kubernetes replicas share: the state store (tasks,
registry records, agents' answers), the task queue and the pub/sub consumer
group of their app-id. Tasks go in turn to each orchestrator's public API and
are read back from the other one; the agents' own logs say how often each
step was worked on and by which calculator. The same checks as the fault
suite (tests/integration/test_faults.py, whose helpers these reuse): no
accepted task is lost, each finishes once with the right answer.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from launcher import LocalStack
from launcher.stack import instance_name
from tests.integration.conftest import module_stack
from tests.integration.test_faults import FAULT_TIMINGS, Load, submit, wait_all_final
from tests.integration.test_observability import log_lines

REPLICAS = {"orchestrator": 2, "calculator": 2}
TASKS = 48


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with module_stack(
        tmp_path_factory.mktemp("replicas"), env=FAULT_TIMINGS, replicas=REPLICAS
    ) as stack:
        yield stack


def send(stack: LocalStack, n: int) -> tuple[str, int]:
    """Task n: `n * 7`, synchronous when n % 4 < 2 else asynchronous, to orchestrator n % 2.

    Returns (task id, the instance it was sent to)."""
    instance = n % 2
    if n % 4 >= 2:
        task_id, status, body = submit(stack, f"{n} * 7", instance=instance)
        assert task_id is not None, (status, body)
        return task_id, instance
    with stack.client("orchestrator", instance=instance) as client:
        response = client.post("/v1/tasks", json={"input": f"{n} * 7"})
    assert response.status_code == 201, response.text
    return response.json()["id"], instance


def calculator_work(stack: LocalStack) -> dict[str, Counter[str]]:
    """Per calculator instance: how often it evaluated something for each task id."""
    return {
        name: Counter(
            str(line["task_id"])
            for line in log_lines(stack, name)
            if str(line.get("msg", "")).startswith("evaluated") and "task_id" in line
        )
        for name in (instance_name("calculator", i) for i in range(stack.replicas("calculator")))
    }


def summarizer_count(stack: LocalStack) -> int:
    """Finished tasks the summarizer counted from `task.completed`."""
    with stack.client("summarizer") as client:
        activity = client.get("/v1/activity").json()
    return int(activity["completed"]) + int(activity["failed"])


def wait_until(condition: Callable[[], bool], what: str, timeout_s: float = 60) -> None:
    """Poll `condition` until it holds, or fail the test saying `what` was awaited."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout_s:.0f}s"
        time.sleep(0.1)


def read_back_from_the_other(
    stack: LocalStack, sent: list[tuple[str, int]], timeout_s: float
) -> dict[str, Any]:
    """Each task in its final state, read from the replica it was NOT sent to."""
    final: dict[str, Any] = {}
    for instance in (0, 1):
        ids = [task_id for task_id, to in sent if to != instance]
        final |= wait_all_final(stack, ids, timeout_s, instance=instance)
    return final


def test_every_process_and_sidecar_writes_its_own_log_file(replicas: LocalStack) -> None:
    logs = replicas.run_dir / "logs"
    for app_id, count in REPLICAS.items():
        for name in (instance_name(app_id, i) for i in range(count)):
            assert (logs / f"{name}.log").stat().st_size > 0, name
            sidecar = (logs / f"{name}.daprd.log").read_text()
            assert "dapr initialized" in sidecar, name
            assert f"app_id={app_id} " in sidecar  # a replica is the same app to Dapr
    assert "Ready to accept connections" in (logs / "redis.log").read_text()


def test_two_orchestrators_and_two_calculators_serve_tasks_together(
    replicas: LocalStack,
) -> None:
    counted_before = summarizer_count(replicas)
    with ThreadPoolExecutor(max_workers=8) as pool:
        sent = list(pool.map(lambda n: send(replicas, n), range(TASKS)))
    assert len({task_id for task_id, _ in sent}) == TASKS

    tasks = read_back_from_the_other(replicas, sent, timeout_s=90)
    for task in tasks.values():
        n = int(task["input"].split()[0])
        assert (task["status"], task["output"]) == ("completed", f"{n} * 7 = {n * 7}"), task
        assert [(s["agent"], s["status"]) for s in task["steps"]] == [("calculator", "completed")]

    # Each step was worked on once, by one calculator, and both calculators worked.
    work = calculator_work(replicas)
    # The registry's evaluation examples reach the calculators too (task ids
    # `evaluation-...`); they are not the tasks this test sent.
    per_task = Counter(
        {
            task_id: times
            for task_id, times in sum(work.values(), Counter[str]()).items()
            if not task_id.startswith("evaluation-")
        }
    )
    assert set(per_task) == set(tasks), set(tasks) ^ set(per_task)
    assert all(times == 1 for times in per_task.values()), per_task.most_common(3)
    assert all(work.values()), {name: len(done) for name, done in work.items()}

    # Both orchestrators see both calculator instances alive (heartbeats reach one
    # replica each; the registry record they share holds every instance).
    for instance in (0, 1):
        with replicas.client("orchestrator", instance=instance) as client:
            view = client.get("/v1/agents/calculator").json()
        assert view["live_instances"] == 2, (instance, view)

    # One task.completed each, counted once (the summarizer counts events by id).
    deadline = time.monotonic() + 30
    while (counted := summarizer_count(replicas) - counted_before) < TASKS:
        assert time.monotonic() < deadline, f"summarizer counted {counted} of {TASKS}"
        time.sleep(0.5)
    time.sleep(3)  # a second copy of an event would come within a few redeliveries
    assert summarizer_count(replicas) - counted_before == TASKS
    print(f"{TASKS} tasks; work per calculator: { ({k: len(v) for k, v in work.items()}) }")


def test_killing_one_orchestrator_and_one_calculator_under_load_loses_nothing(
    replicas: LocalStack,
) -> None:
    with Load(replicas, instances=2) as load:
        wait_until(lambda: len(load.accepted) >= 6, "tasks accepted before the kill")
        # Whole replicas, app and sidecar (a pod lost): a sidecar left running without
        # its app keeps taking messages for a while (docs/operations.md, "Several replicas").
        replicas.kill_app("orchestrator", instance=1, sidecar=True)
        replicas.kill_app("calculator", instance=1, sidecar=True)
        killed_at = len(load.accepted)
        # The other replicas carry the load alone.
        wait_until(
            lambda: len(load.accepted) >= killed_at + 6, "tasks accepted after the kill", 180
        )
    accepted = len(load.accepted)
    # Refused only while the killed replica was down (its port answers nothing).
    assert all(status == 0 for status, _ in load.refused), load.refused[:3]
    tasks = wait_all_final(replicas, load.accepted, timeout_s=120, instance=0)
    not_completed = [(t["error"], t["steps"]) for t in tasks.values() if t["status"] != "completed"]
    assert not not_completed, not_completed[:3]
    for task in tasks.values():
        n = int(task["input"].split()[0])
        assert task["output"] == f"{n} + {n} = {2 * n}", task
    work = calculator_work(replicas)
    done = sum(work.values(), Counter[str]())
    assert set(tasks) <= set(done), set(tasks) - set(done)
    # Work the killed calculator finished before it died but never published is
    # done again by the other one: at most twice, never lost.
    twice = [task_id for task_id in tasks if done[task_id] > 1]
    assert all(done[task_id] <= 2 for task_id in tasks), done.most_common(3)
    print(
        f"replicas killed: {accepted} accepted all completed, {len(load.refused)} refused "
        f"by the dead replica, {len(twice)} steps worked on twice"
    )

    # The replicas come back and serve again: the restarted orchestrator reads a task.
    replicas.start_app("orchestrator", instance=1, timeout_s=180)
    replicas.start_app("calculator", instance=1, timeout_s=180)
    some = load.accepted[0]
    assert wait_all_final(replicas, [some], timeout_s=60, instance=1)[some]["status"] == "completed"
