"""The walking skeleton on real sidecars: invocation, state, pub/sub, bad input."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from launcher import LocalStack
from tests.integration.a2a_calls import A2A_HEADERS, step_body, task_of
from tests.integration.conftest import wait_registered


def post_task(stack: LocalStack, body: dict[str, Any]) -> httpx.Response:
    with stack.client("orchestrator") as client:
        return client.post("/v1/tasks", json=body)


def eventually(check: Any, timeout_s: float = 20) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def test_arithmetic_task_is_answered_by_calculator_through_dapr(stack: LocalStack) -> None:
    response = post_task(stack, {"input": "2+3"})
    assert response.status_code == 201, response.text
    task = response.json()
    assert (task["agent"], task["status"], task["output"]) == (
        "calculator",
        "completed",
        "2 + 3 = 5",
    )


def test_text_task_is_answered_by_summarizer(stack: LocalStack) -> None:
    text = "summarize: Dapr runs beside each app. It offers state. Cats sleep a lot."
    task = post_task(stack, {"input": text}).json()
    assert task["agent"] == "summarizer"
    assert task["output"].startswith("Dapr runs beside each app.")


def test_task_is_read_back_from_the_state_store(stack: LocalStack) -> None:
    task = post_task(stack, {"input": "6*7"}).json()
    with stack.client("orchestrator") as client:
        assert client.get(f"/v1/tasks/{task['id']}").json() == task
    # Straight from the sidecar's state API: the record is in the store, not in memory.
    with stack.client("orchestrator", sidecar=True) as sidecar:
        stored = sidecar.get(f"/v1.0/state/statestore/task-{task['id']}")
    assert stored.status_code == 200
    assert json.loads(stored.content)["output"] == "6 * 7 = 42"


def test_tasks_survive_an_orchestrator_restart(stack: LocalStack) -> None:
    task = post_task(stack, {"input": "1+1"}).json()
    restarted_at = datetime.now(UTC)
    stack.kill_app("orchestrator")
    stack.start_app("orchestrator")
    wait_registered(stack, since=restarted_at)
    with stack.client("orchestrator") as client:
        assert client.get(f"/v1/tasks/{task['id']}").json() == task


def test_completion_event_reaches_the_subscribed_agent(stack: LocalStack) -> None:
    task = post_task(stack, {"input": "10-4"}).json()

    def recorded() -> bool:
        with stack.client("summarizer") as client:
            recent = client.get("/v1/activity").json()["recent"]
        return any(t["task_id"] == task["id"] for t in recent)

    assert eventually(recorded), "task.completed never reached the summarizer"


def test_sidecar_resolves_and_invokes_an_agent_by_app_id(stack: LocalStack) -> None:
    with stack.client("orchestrator", sidecar=True) as sidecar:
        response = sidecar.post(
            "/v1.0/invoke/calculator/method/a2a", json=step_body("9/3"), headers=A2A_HEADERS
        )
    task = task_of(response)
    assert task["artifacts"][0]["parts"][0]["text"] == "9 / 3 = 3"


def test_state_writes_are_etag_checked(stack: LocalStack) -> None:
    with stack.client("orchestrator", sidecar=True) as sidecar:
        sidecar.post("/v1.0/state/statestore", json=[{"key": "k", "value": {"n": 1}}])
        etag = sidecar.get("/v1.0/state/statestore/k").headers["etag"]
        fresh = [{"key": "k", "value": {"n": 2}, "etag": etag}]
        stale = [{"key": "k", "value": {"n": 3}, "etag": etag}]
        options = {"options": {"concurrency": "first-write"}}
        assert sidecar.post("/v1.0/state/statestore", json=[{**fresh[0], **options}]).is_success
        refused = sidecar.post("/v1.0/state/statestore", json=[{**stale[0], **options}])
        assert refused.status_code == 409
        assert sidecar.get("/v1.0/state/statestore/k").json() == {"n": 2}
        # first-write without an ETag creates only: what concurrent creators rely on.
        create = [{"key": "k", "value": {"n": 4}, **options}]
        assert sidecar.post("/v1.0/state/statestore", json=create).status_code == 409
        fresh_key = [{"key": "k-new", "value": {"n": 1}, **options}]
        assert sidecar.post("/v1.0/state/statestore", json=fresh_key).is_success


def test_bad_input_gets_a_json_error_saying_what_is_wrong(stack: LocalStack) -> None:
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({}, 422, "input: Field required"),
        ({"input": 3}, 422, "input: Input should be a valid string"),
        ({"input": "2+3", "agent": "nobody"}, 422, "unknown agent 'nobody'"),
        ({"input": "x" * 2_000_000}, 413, "exceeds the limit"),
    ]
    for body, status, fragment in cases:
        response = post_task(stack, body)
        assert response.status_code == status, body
        assert fragment in response.json()["detail"]


def test_agent_rejection_is_422_and_the_failed_task_is_kept(stack: LocalStack) -> None:
    response = post_task(stack, {"input": "no numbers here", "agent": "calculator"})
    assert response.status_code == 422
    body = response.json()
    assert "cannot read 'no' at column 1" in body["detail"]
    with stack.client("orchestrator") as client:
        stored = client.get(f"/v1/tasks/{body['task_id']}").json()
    assert stored["status"] == "failed"


def test_agent_down_is_an_error_naming_it_and_recovers_when_back(stack: LocalStack) -> None:
    stack.kill_app("calculator")
    try:
        response = post_task(stack, {"input": "2+2"})
        # 502 while the registry still lists it healthy, 503 once probes noticed.
        assert response.status_code in (502, 503)
        assert (
            "calculator" in response.json()["detail"] or "no healthy" in response.json()["detail"]
        )
    finally:
        stack.start_app("calculator")
        wait_registered(stack)

    # The orchestrator's circuit breaker for the calculator may have opened; it
    # lets a trial call through 5 s later (components/common/resiliency.yaml).
    def answered() -> bool:
        return bool(post_task(stack, {"input": "2+2"}).json().get("output") == "2 + 2 = 4")

    assert eventually(answered, timeout_s=15), "the calculator never answered again"


def test_every_supervised_process_is_running(stack: LocalStack) -> None:
    """`make run` stops everything when a supervised process dies: none may be a one-off."""
    dead = [p.name for p in stack.supervisor.processes if not p.alive]
    assert dead == []
