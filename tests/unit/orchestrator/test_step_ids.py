"""Step ids: the same for the same call of a task run again, and underivable by agents."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from orchestrator.ports import TaskPolicy
from orchestrator.tasks.runs import TaskRun
from orchestrator.tasks.transports import AgentTransport


def run(key: bytes, task_id: str = "t" * 32) -> TaskRun:
    transport: AgentTransport = object()  # type: ignore[assignment]  # never called here
    return TaskRun(task_id, datetime.now(UTC), transport, key)


def test_a_task_run_again_gets_the_same_step_ids_for_the_same_calls() -> None:
    first, again = run(b"k" * 32), run(b"k" * 32)
    ids = [first.step_id("units", None, "5 km in miles") for _ in range(2)]
    assert ids == [again.step_id("units", None, "5 km in miles") for _ in range(2)]
    assert ids[0] != ids[1]  # the same call twice in one task: two steps


def test_step_ids_cannot_be_derived_from_the_task_id_and_the_input() -> None:
    """What agents know (task id, agent, input) gives them neither the old hash nor the id."""
    task_id, call = "t" * 32, f"{'t' * 32}\nunits\n\n5 km in miles\n0"
    step_id = run(b"k" * 32, task_id).step_id("units", None, "5 km in miles")
    assert step_id != hashlib.sha256(call.encode()).hexdigest()[:32]
    assert step_id != run(b"j" * 32, task_id).step_id("units", None, "5 km in miles")
    assert len(step_id) == 32
    assert int(step_id, 16) >= 0


def test_each_policy_without_a_configured_key_makes_a_random_one() -> None:
    one, two = TaskPolicy(), TaskPolicy()
    assert len(one.step_id_key) == 32
    assert one.step_id_key != two.step_id_key
