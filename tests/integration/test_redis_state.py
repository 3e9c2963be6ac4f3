"""The alternative state store: the same system with Redis holding state."""

from __future__ import annotations

from pathlib import Path

from tests.integration.conftest import redis_cli, start_stack


def test_task_round_trip_with_redis_state_store(tmp_path: Path) -> None:
    stack = start_stack(tmp_path, state="redis")
    try:
        with stack.client("orchestrator") as client:
            created = client.post("/v1/tasks", json={"input": "3*3"})
            assert created.status_code == 201, created.text
            task = created.json()
            assert client.get(f"/v1/tasks/{task['id']}").json()["output"] == "3 * 3 = 9"
        # The task is a hash in Redis under the orchestrator's own key prefix.
        stored = redis_cli(
            stack, "HGET", f"orchestrator||task-{task['id']}", "data", user="orchestrator"
        )
        assert task["id"] in stored, stored
    finally:
        stack.stop()
