from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from agents.calculator.main import AGENT as CALCULATOR
from chassis.contract import TASK_COMPLETED_TOPIC
from chassis.testing import InMemoryDapr, failing_agent
from orchestrator.settings import OrchestratorSettings
from tests.unit.orchestrator.conftest import (
    calculator,
    card_for,
    public_client,
    registration,
    registry_post,
)


def test_arithmetic_task_goes_to_calculator_and_is_stored(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    response = client.post("/v1/tasks", json={"input": "2+3"})
    assert response.status_code == 201
    task = response.json()
    assert (task["agent"], task["status"], task["output"]) == ("calculator", "completed", "5")
    assert response.headers["location"] == f"/v1/tasks/{task['id']}"
    assert dapr.invocations == [("calculator", "a2a", {"task_id": task["id"], "input": "2+3"})]
    assert client.get(f"/v1/tasks/{task['id']}").json() == task


def test_text_task_goes_to_summarizer(client: TestClient) -> None:
    response = client.post("/v1/tasks", json={"input": "summarize: Dapr is a runtime."})
    assert response.json()["agent"] == "summarizer"


def test_explicit_agent_overrides_the_rule(client: TestClient, dapr: InMemoryDapr) -> None:
    client.post("/v1/tasks", json={"input": "2+3", "agent": "summarizer"})
    assert dapr.invocations[0][0] == "summarizer"


def test_completion_is_published(client: TestClient, dapr: InMemoryDapr) -> None:
    task = client.post("/v1/tasks", json={"input": "2+3"}).json()
    [(pubsub, topic, event)] = dapr.published
    assert (pubsub, topic) == ("pubsub", TASK_COMPLETED_TOPIC)
    assert event["task_id"] == task["id"]
    assert event["status"] == "completed"


class StalledBroker(InMemoryDapr):
    """Publishes only once `released` is set (from the test's thread)."""

    def __init__(self) -> None:
        super().__init__({"calculator": calculator})
        self.released = threading.Event()

    async def publish(
        self, pubsub: str, topic: str, data: bytes, *, metadata: Mapping[str, str] | None = None
    ) -> None:
        await asyncio.to_thread(self.released.wait, 10)
        await super().publish(pubsub, topic, data, metadata=metadata)


def test_a_slow_broker_does_not_hold_the_answer_and_the_event_still_goes_out(
    settings: OrchestratorSettings,
) -> None:
    broker = StalledBroker()
    with public_client(broker, settings) as client:
        event = registration("register", "calculator", card=card_for(CALCULATOR, "calculator"))
        assert client.post(**registry_post(event)).status_code == 200
        response = client.post("/v1/tasks", json={"input": "2+3", "agent": "calculator"})
        assert response.status_code == 201  # answered while the publish still waits
        assert broker.published == []
        broker.released.set()
    # Shutting down waited for the notification instead of dropping it.
    assert [topic for _, topic, _ in broker.published] == [TASK_COMPLETED_TOPIC]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({}, "input: Field required"),
        ({"input": 42}, "input: Input should be a valid string"),
        ({"input": "   "}, "input: String should have at least 1 character"),
        ({"input": "2+3", "agent": "Bad Agent!"}, "agent: String should match pattern"),
        ({"input": "2+3", "extra": 1}, "extra: Extra inputs are not permitted"),
    ],
)
def test_bad_input_is_422_saying_what_is_wrong(
    client: TestClient, body: dict[str, Any], fragment: str
) -> None:
    response = client.post("/v1/tasks", json=body)
    assert response.status_code == 422
    assert fragment in response.json()["detail"]


def test_oversized_input_is_refused(client: TestClient) -> None:
    response = client.post("/v1/tasks", json={"input": "x" * 2_000_000})
    assert response.status_code == 413


def test_unknown_agent_is_422_listing_registered_agents(client: TestClient) -> None:
    response = client.post("/v1/tasks", json={"input": "2+3", "agent": "weather"})
    assert response.status_code == 422
    body = response.json()
    assert "unknown agent 'weather'" in body["detail"]
    assert body["known_agents"] == ["calculator", "summarizer"]


def test_plain_text_no_skill_matches_is_refused_not_echoed(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    response = client.post("/v1/tasks", json={"input": "hello there"})
    assert response.status_code == 422
    assert response.json()["detail"] == "no agent can do this: hello there"
    assert dapr.invocations == []


def test_agent_rejecting_input_fails_the_task_with_its_reason(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    dapr.agents["calculator"] = failing_agent(422, "no arithmetic expression found")
    response = client.post("/v1/tasks", json={"input": "1+1"})
    assert response.status_code == 422
    body = response.json()
    assert "no arithmetic expression found" in body["detail"]
    stored = client.get(f"/v1/tasks/{body['task_id']}").json()
    assert stored["status"] == "failed"
    assert "no arithmetic expression found" in stored["error"]


@pytest.mark.parametrize("agents", [{}, {"calculator": failing_agent(500, "crashed")}])
def test_unreachable_or_failing_agent_is_502_and_task_is_failed(
    client: TestClient, dapr: InMemoryDapr, agents: dict[str, Any]
) -> None:
    dapr.agents = {**agents}
    response = client.post("/v1/tasks", json={"input": "1+1"})
    assert response.status_code == 502
    stored = client.get(f"/v1/tasks/{response.json()['task_id']}").json()
    assert stored["status"] == "failed"
    assert dapr.published[-1][2]["status"] == "failed"


def test_agent_answer_outside_contract_is_502(client: TestClient, dapr: InMemoryDapr) -> None:
    async def broken(_: httpx.Request) -> httpx.Response:  # JSON-RPC, but no A2A result
        return httpx.Response(200, json={"jsonrpc": "2.0", "id": "1", "result": {"x": True}})

    dapr.raw_agents["calculator"] = broken
    response = client.post("/v1/tasks", json={"input": "1+1"})
    assert response.status_code == 502
    assert "outside the A2A protocol" in response.json()["detail"]


def test_unknown_task_is_404(client: TestClient) -> None:
    response = client.get(f"/v1/tasks/{'0' * 32}")
    assert response.status_code == 404
    assert response.json()["detail"] == f"no task with id {'0' * 32!r}"


def test_malformed_task_id_is_422(client: TestClient) -> None:
    assert client.get("/v1/tasks/not-an-id").status_code == 422
