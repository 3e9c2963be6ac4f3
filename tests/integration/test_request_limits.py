"""What one request can make the hub do and store is bounded, on real sidecars (issue 22.5).

A reserved app id is refused before the hub calls anything; an A2A message
over the parts limit makes no task; a plan over the step limit is refused
whole, storing a bounded number of steps (orchestrator/settings.py,
docs/security.md "Limits on one request").
"""

from __future__ import annotations

import uuid

from launcher import LocalStack

A2A_HEADERS = {"A2A-Version": "1.0"}


def test_registering_the_hubs_own_app_id_is_refused(stack: LocalStack) -> None:
    with stack.client("orchestrator") as client:
        response = client.post("/v1/agents", json={"app_id": "orchestrator"})
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert "reserved" in response.json()["detail"]
        assert client.get("/v1/agents/orchestrator").status_code == 404


def test_an_a2a_message_over_the_parts_limit_is_invalid_params(stack: LocalStack) -> None:
    parts = [{"text": f"what is {n}+{n}"} for n in range(1000)]
    body = {
        "jsonrpc": "2.0",
        "id": "limits",
        "method": "SendMessage",
        "params": {"message": {"messageId": uuid.uuid4().hex, "role": "ROLE_USER", "parts": parts}},
    }
    with stack.client("orchestrator") as client:
        answer = client.post("/a2a", json=body, headers=A2A_HEADERS).json()
    assert "result" not in answer, answer
    assert answer["error"]["code"] == -32602
    assert "the message has 1000 parts; at most 32" in answer["error"]["message"]


def test_a_plan_over_the_step_limit_is_refused_and_stores_few_steps(stack: LocalStack) -> None:
    text = "; ".join(f"what is {n}+{n}" for n in range(1000))
    with stack.client("orchestrator") as client:
        response = client.post("/v1/tasks", json={"input": text, "deadline_seconds": 120})
        assert response.status_code == 422, response.text
        problem = response.json()
        assert problem["detail"].startswith("the plan exceeds 8 agent calls")
        task = client.get(f"/v1/tasks/{problem['task_id']}").json()
    assert task["status"] == "failed"
    assert len(task["steps"]) <= 9
    assert task["output"] is None
