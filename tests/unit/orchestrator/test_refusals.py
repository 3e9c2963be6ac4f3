"""Refused tasks and unavailable agents, as the public API shows them.

A refusal (HTTP 200, the A2A task `rejected`) fails the task with 422 and the
agent's reason, without trying another agent; an agent with no answer is
502 in our words, never in Dapr's.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from chassis.dapr import DaprError, FailedHop, InvocationFailed, SidecarUnavailable
from chassis.testing import InMemoryDapr, refusing_agent
from orchestrator.errors import unavailable_reason
from tests.unit.orchestrator.test_async_tasks import play_dapr, wait_final
from tests.unit.orchestrator.test_planning import register_second_calculator


def dapr_error(status: int, message: str) -> InvocationFailed:
    """What daprd answers when it fails a call itself (dapr/dapr pkg/messages)."""
    body = {"errorCode": "ERR_DIRECT_INVOKE", "message": message}
    return InvocationFailed("calculator", status, body)


BREAKER_OPEN = dapr_error(500, "failed to invoke, id: calculator, err: circuit breaker is open")


def test_a_refused_task_is_422_with_the_agent_reason_and_stored_failed(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    dapr.agents["calculator"] = refusing_agent("calculator", "division by zero")
    response = client.post("/v1/tasks", json={"input": "1/0"})
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "agent 'calculator' refused the task: division by zero"
    stored = client.get(f"/v1/tasks/{body['task_id']}").json()
    assert (stored["status"], stored["error"]) == ("failed", body["detail"])
    assert [(s["agent"], s["status"]) for s in stored["steps"]] == [("calculator", "refused")]


def test_a_refusal_is_not_tried_on_another_agent(client: TestClient, dapr: InMemoryDapr) -> None:
    register_second_calculator(client, dapr, output="never")
    dapr.agents["calculator"] = refusing_agent("calculator", "division by zero")
    assert client.post("/v1/tasks", json={"input": "1/0"}).status_code == 422
    assert [app_id for app_id, _, _ in dapr.invocations] == ["calculator"]


def test_a_plan_reports_the_refused_part_and_answers_the_rest(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    dapr.agents["calculator"] = refusing_agent("calculator", "division by zero")
    task = client.post("/v1/tasks", json={"input": "what is 1/0; summarize: Dapr is nice."}).json()
    assert task["status"] == "completed"
    assert [(s["agent"], s["status"]) for s in task["steps"]] == [
        ("calculator", "refused"),
        ("summarizer", "completed"),
    ]
    assert "agent 'calculator' refused the task: division by zero" in task["output"]


def test_an_asynchronous_refusal_fails_the_task_with_the_reason(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    play_dapr(client, dapr)
    dapr.agents["calculator"] = refusing_agent("calculator", "division by zero")
    accepted = client.post("/v1/tasks", json={"input": "1/0", "mode": "async"}).json()
    task = wait_final(client, accepted["id"])
    assert task["status"] == "failed"
    assert task["error"] == "agent 'calculator' refused the task: division by zero"
    assert task["steps"][0]["status"] == "refused"


def test_an_open_breaker_is_502_in_our_words(client: TestClient, dapr: InMemoryDapr) -> None:
    async def breaker_open(_: Any) -> Any:
        raise BREAKER_OPEN

    dapr.agents["calculator"] = breaker_open
    response = client.post("/v1/tasks", json={"input": "2+2", "agent": "calculator"})
    assert response.status_code == 502
    detail = response.json()["detail"]
    assert detail == (
        "agent 'calculator' is not accepting calls right now (too many recent failures);"
        " retry in a few seconds"
    )


@pytest.mark.parametrize(
    ("error", "hop", "words"),
    [
        (BREAKER_OPEN, FailedHop.BREAKER_OPEN, "is not accepting calls right now"),
        (
            dapr_error(500, "failed to invoke, id: calculator, err: too many requests"),
            FailedHop.BREAKER_OPEN,
            "is not accepting calls right now",
        ),
        (
            dapr_error(500, "failed to invoke, id: calculator, err: context deadline exceeded"),
            FailedHop.TIMED_OUT,
            "did not answer within its time limit",
        ),
        (
            dapr_error(
                403,
                "failed to invoke, id: calculator, err: rpc error: code = PermissionDenied"
                " desc = access control policy has denied access to id: spiffe://public/ns/x",
            ),
            FailedHop.DENIED,
            "may not be called by the orchestrator",
        ),
        (
            dapr_error(
                500,
                "failed to invoke, id: calculator, err: rpc error: code = Unavailable desc ="
                " connection error: dial tcp 127.0.0.1:50002: connect: connection refused",
            ),
            FailedHop.UNREACHABLE,
            "could not be reached",
        ),
    ],
)
def test_dapr_failures_are_told_in_our_words(
    error: InvocationFailed, hop: FailedHop, words: str
) -> None:
    assert error.hop is hop
    reason = unavailable_reason("calculator", error)
    assert reason.startswith("agent 'calculator' ")
    assert words in reason
    for internal in ("ERR_", "failed to invoke", "rpc error", "circuit breaker", "127.0.0.1"):
        assert internal not in reason


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (
            InvocationFailed("calculator", 500, {"status": 500, "detail": "internal error"}),
            "agent 'calculator' failed (HTTP 500): internal error",
        ),
        (
            InvocationFailed("calculator", 503, "<html>Service Unavailable</html>"),
            "agent 'calculator' failed (HTTP 503)",
        ),
        (
            SidecarUnavailable("POST http://127.0.0.1:3500/v1.0/invoke failed", timed_out=True),
            "agent 'calculator' did not answer in time",
        ),
        (
            SidecarUnavailable("POST http://127.0.0.1:3500/v1.0/invoke failed"),
            "agent 'calculator' could not be reached (the orchestrator's sidecar did not answer)",
        ),
    ],
)
def test_an_app_own_failure_is_quoted_only_from_problem_json(error: DaprError, reason: str) -> None:
    assert unavailable_reason("calculator", error) == reason
