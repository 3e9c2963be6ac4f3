"""Human approval on real sidecars: a step waits for a person, across an orchestrator restart.

The ledger agent's card says its skill needs approval; the policy
ORCHESTRATOR_APPROVAL_TAGS=summary makes the summarizer's calls need it too.
A waiting step's agent is not called (the ledger counts its calls); the
decision is recorded with the name of the caller's API key.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from datetime import UTC, datetime
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

LEDGER = agent_spec("ledger", "tests.integration.ledger_agent", PULLED)
ALICE_KEY = secrets.token_urlsafe(24)
POST_ENTRY = "post 120 EUR for printer paper"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with module_stack(
        tmp_path_factory.mktemp("approvals"),
        env={
            **FAST_REGISTRY,
            "ORCHESTRATOR_APPROVAL_TAGS": "summary",
            "ORCHESTRATOR_APPROVAL_SWEEP_SECONDS": "0.5",
        },
        registered=("summarizer",),  # the only stock agent used
        extra_apps=(LEDGER,),
        extra_api_keys=(f"alice={ALICE_KEY}",),
        operators=("operator", "alice"),  # alice decides approvals
    ) as stack:
        with stack.client("orchestrator") as client:
            assert client.post("/v1/agents", json={"app_id": "ledger"}).status_code == 201
        wait_registered(stack, ("ledger",), timeout_s=60)
        yield stack


def ledger_calls(stack: LocalStack) -> int:
    with stack.client("ledger") as agent:
        return int(agent.get("/v1/calls").json())


def post_entry(stack: LocalStack, **body: Any) -> dict[str, Any]:
    """A task for the ledger: answered 202, waiting for approval (sync or async alike)."""
    with stack.client("orchestrator") as client:
        created = client.post("/v1/tasks", json={"input": POST_ENTRY, "agent": "ledger", **body})
    assert created.status_code == 202, created.text
    task: dict[str, Any] = created.json()
    assert created.headers["location"] == f"/v1/tasks/{task['id']}"
    return task


def wait_status(stack: LocalStack, task_id: str, wanted: set[str], timeout_s: float = 180) -> Any:
    deadline = time.monotonic() + timeout_s
    with stack.client("orchestrator") as client:
        while True:
            task = client.get(f"/v1/tasks/{task_id}").json()
            if task["status"] in wanted:
                return task
            if time.monotonic() > deadline:
                pytest.fail(f"task {task_id} still {task['status']}: {task}")
            time.sleep(0.2)


def decide(stack: LocalStack, task: dict[str, Any], decision: str, key: str) -> httpx.Response:
    step_id = task["approvals"][0]["step_id"]
    url = f"{stack.endpoints['orchestrator'].app_url}/v1/tasks/{task['id']}/approvals/{step_id}"
    body = {"decision": decision, "comment": f"{decision} by test"}
    return httpx.post(url, json=body, headers={"X-API-Key": key}, timeout=30)


def a2a_state(stack: LocalStack, task_id: str) -> str:
    rpc = {"jsonrpc": "2.0", "id": 1, "method": "GetTask", "params": {"id": task_id}}
    with stack.client("orchestrator") as client:
        reply = client.post("/a2a", json=rpc, headers={"A2A-Version": "1.0"})
    return str(reply.json()["result"]["status"]["state"])


def test_a_waiting_step_survives_a_restart_and_runs_once_approved(stack: LocalStack) -> None:
    before = ledger_calls(stack)
    task = post_entry(stack, deadline_seconds=300)
    assert task["status"] == "input_required"
    assert task["steps"][0]["status"] == "awaiting_approval"
    with stack.client("orchestrator") as client:
        listed = client.get("/v1/approvals").json()
    assert task["id"] in {a["task_id"] for a in listed["approvals"]}
    assert a2a_state(stack, task["id"]) == "TASK_STATE_INPUT_REQUIRED"

    stack.kill_app("orchestrator")
    restarted = datetime.now(UTC)
    stack.start_app("orchestrator", timeout_s=240)  # a loaded machine starts slowly
    # A fresh heartbeat: Dapr delivers subscriptions to the restarted app again (a queue
    # message published before that waits for the processingTimeout).
    wait_registered(stack, ("summarizer",), timeout_s=120, since=restarted)
    with stack.client("orchestrator") as client:
        assert client.get(f"/v1/tasks/{task['id']}").json()["status"] == "input_required"
        listed = client.get("/v1/approvals").json()
    assert task["id"] in {a["task_id"] for a in listed["approvals"]}
    assert ledger_calls(stack) == before  # not run while it waited

    decided = decide(stack, task, "approve", ALICE_KEY)
    assert decided.status_code == 200, decided.text
    approval = decided.json()["approvals"][0]
    assert (approval["decision"], approval["by"]) == ("approved", "alice")
    done = wait_status(stack, task["id"], {"completed", "failed"})
    assert done["status"] == "completed", done
    assert done["output"] == f"posted: {POST_ENTRY}"
    assert ledger_calls(stack) == before + 1

    again = decide(stack, task, "reject", stack.api_key)
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")


def test_a_rejected_step_is_refused_and_not_run(stack: LocalStack) -> None:
    before = ledger_calls(stack)
    task = post_entry(stack, mode="async", deadline_seconds=300)
    waiting = wait_status(stack, task["id"], {"input_required"})
    assert decide(stack, waiting, "reject", stack.api_key).status_code == 200
    done = wait_status(stack, task["id"], {"completed", "failed"})
    assert (done["status"], done["error_status"]) == ("failed", 422)
    assert done["steps"][0]["status"] == "refused"
    assert done["approvals"][0]["by"] == "operator"
    assert "operator rejected the call of ledger" in done["error"]
    assert a2a_state(stack, task["id"]) == "TASK_STATE_REJECTED"
    assert ledger_calls(stack) == before


def test_a_step_nobody_approves_is_refused_at_the_task_deadline(stack: LocalStack) -> None:
    before = ledger_calls(stack)
    task = post_entry(stack, deadline_seconds=2)
    done = wait_status(stack, task["id"], {"completed", "failed"})  # the sweep ends it
    assert (done["status"], done["error_status"]) == ("failed", 422)
    assert done["approvals"][0]["by"] == "orchestrator"
    assert "not approved before the task's deadline" in done["error"]
    with stack.client("orchestrator") as client:
        assert task["id"] not in {
            a["task_id"] for a in client.get("/v1/approvals").json()["approvals"]
        }
    assert decide(stack, task, "approve", ALICE_KEY).status_code == 409
    assert ledger_calls(stack) == before


def test_a_policy_tag_pauses_a_planned_step(stack: LocalStack) -> None:
    with stack.client("orchestrator") as client:
        created = client.post(
            "/v1/tasks",
            json={"input": "summarize: Dapr sidecars carry every call. Agents are spokes."},
        )
    assert created.status_code == 202, created.text
    task = created.json()
    assert task["status"] == "input_required"
    assert [a["skill"] for a in task["approvals"]] == ["summarize"]
    assert decide(stack, task, "approve", ALICE_KEY).status_code == 200
    done = wait_status(stack, task["id"], {"completed", "failed"})
    assert done["status"] == "completed", done
    assert [s["status"] for s in done["steps"]] == ["completed"]


def test_deciding_needs_a_key_and_an_existing_step(stack: LocalStack) -> None:
    task = post_entry(stack, deadline_seconds=300)
    assert decide(stack, task, "approve", "not-a-key").status_code == 401
    base = stack.endpoints["orchestrator"].app_url
    unknown = httpx.post(
        f"{base}/v1/tasks/{task['id']}/approvals/{'f' * 32}",
        json={"decision": "approve"},
        headers={"X-API-Key": stack.api_key},
    )
    assert unknown.status_code == 404
    assert decide(stack, task, "reject", stack.api_key).status_code == 200
