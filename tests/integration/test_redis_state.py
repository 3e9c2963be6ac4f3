"""The alternative state store: the same system with Redis holding state."""

from __future__ import annotations

from pathlib import Path

from tests.integration.conftest import start_stack


def test_task_round_trip_with_redis_state_store(tmp_path: Path) -> None:
    stack = start_stack(tmp_path, state="redis")
    try:
        with stack.client("orchestrator") as client:
            created = client.post("/v1/tasks", json={"input": "3*3"})
            assert created.status_code == 201, created.text
            task = created.json()
            assert client.get(f"/v1/tasks/{task['id']}").json()["output"] == "3 * 3 = 9"
        with stack.client("orchestrator", sidecar=True) as sidecar:
            components = {
                c["name"]: c["type"] for c in sidecar.get("/v1.0/metadata").json()["components"]
            }
        assert components["statestore"] == "state.redis"
    finally:
        stack.stop()
