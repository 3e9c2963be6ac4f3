"""The hub's A2A JSON-RPC as two plain callers use it, over a stack with the approval ledger.

A task for the ledger agent (tests/integration/ledger_agent.py) waits for a
person's approval (`input-required`) until the operator approves it, so a
test can act on a running task without racing it.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from launcher import LocalStack
from tests.integration.conftest import (
    FAST_REGISTRY,
    PULLED,
    agent_spec,
    module_stack,
    wait_registered,
)

LEDGER = agent_spec("ledger", "tests.integration.ledger_agent", PULLED)
ALICE_KEY = secrets.token_urlsafe(24)
BOB_KEY = secrets.token_urlsafe(24)
POST_ENTRY = "post 120 EUR for printer paper"


@contextmanager
def ledger_stack(
    run_dir: Path, env: Mapping[str, str] = {}, *, hubs: int = 1
) -> Iterator[LocalStack]:
    """A stack with the ledger registered, `hubs` orchestrator replicas, and two callers
    alice and bob (not operators)."""
    with module_stack(
        run_dir,
        env={**FAST_REGISTRY, **env},
        registered=("summarizer",),
        extra_apps=(LEDGER,),
        extra_api_keys=(f"alice={ALICE_KEY}", f"bob={BOB_KEY}"),
        replicas={"orchestrator": hubs},
    ) as stack:
        with stack.client("orchestrator") as client:
            assert client.post("/v1/agents", json={"app_id": "ledger"}).status_code == 201
        wait_registered(stack, ("ledger",), timeout_s=120)
        yield stack


def hub_a2a_url(stack: LocalStack, instance: int = 0) -> str:
    """The JSON-RPC URL of one orchestrator replica."""
    return f"{stack.instances['orchestrator'][instance].app_url}/a2a"


def rpc(stack: LocalStack, key: str, method: str, params: dict[str, Any]) -> dict[str, Any]:
    """One JSON-RPC call to the hub (A2A 1.0) as the caller with API key `key`; the reply."""
    body = {"jsonrpc": "2.0", "id": uuid.uuid4().hex, "method": method, "params": params}
    headers = {"X-API-Key": key, "A2A-Version": "1.0"}
    url = hub_a2a_url(stack)
    reply = httpx.post(url, json=body, headers=headers, timeout=120)
    assert reply.status_code == 200, reply.text
    answer: dict[str, Any] = reply.json()
    return answer


def ledger_message(**configuration: Any) -> dict[str, Any]:
    """SendMessage params: a ledger entry, queued (answered `submitted` at once)."""
    message = {
        "messageId": uuid.uuid4().hex,
        "role": "ROLE_USER",
        "parts": [{"text": POST_ENTRY}],
        "metadata": {"hubspoke": {"agent": "ledger", "deadlineSeconds": 300}},
    }
    return {"message": message, "configuration": {"returnImmediately": True, **configuration}}


def wait_state(
    stack: LocalStack, key: str, task_id: str, state: str, timeout_s: float = 180
) -> None:
    """Wait until GetTask (as `key`'s caller) says `state`."""
    deadline = time.monotonic() + timeout_s
    while True:
        task = rpc(stack, key, "GetTask", {"id": task_id})["result"]
        if task["status"]["state"] == state:
            return
        assert time.monotonic() < deadline, f"task {task_id} still {task['status']['state']}"
        time.sleep(0.3)


def approve(stack: LocalStack, task_id: str) -> None:
    """The operator approves the task's waiting step (REST, as in test_approvals.py)."""
    with stack.client("orchestrator") as client:  # the operator's key
        task = client.get(f"/v1/tasks/{task_id}").json()
        step_id = task["approvals"][0]["step_id"]
        decided = client.post(
            f"/v1/tasks/{task_id}/approvals/{step_id}",
            json={"decision": "approve", "comment": "approved by test"},
        )
    assert decided.status_code == 200, decided.text
