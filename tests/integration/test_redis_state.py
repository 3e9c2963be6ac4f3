"""The alternative state store: the same system with Redis holding state."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

import pytest

from chassis.dapr import DaprSidecar, EtagMismatch, pooled_session
from launcher import LocalStack
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
        asyncio.run(a_second_create_only_write_is_a_conflict(stack))
    finally:
        stack.stop()


async def a_second_create_only_write_is_a_conflict(stack: LocalStack) -> None:
    """state.redis answers a lost create-only write with a plain 500, not 409: the
    adapter must still report it as the conflict it is (the registry relies on it)."""
    endpoints, tokens = stack.endpoints["orchestrator"], stack.tokens["orchestrator"]
    session = pooled_session({"dapr-api-token": tokens.dapr_api_token}, endpoints.dapr_url)
    sidecar = DaprSidecar(session)
    key = f"create-only-{secrets.token_hex(4)}"
    try:
        await sidecar.save_state("statestore", key, b'"first"', create_only=True)
        with pytest.raises(EtagMismatch):
            await sidecar.save_state("statestore", key, b'"second"', create_only=True)
        stored = await sidecar.get_state("statestore", key)
        assert stored is not None
        assert stored.data == b'"first"'
    finally:
        await sidecar.aclose()
