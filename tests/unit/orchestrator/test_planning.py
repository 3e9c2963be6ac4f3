"""Planning through Semantic Kernel with the local model, on an in-memory Dapr port."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from chassis.agent import AgentDescription, Skill
from chassis.testing import InMemoryDapr
from tests.unit.orchestrator.conftest import REGISTRY_ROUTE, card_for, registration


def test_a_request_with_two_parts_is_planned_into_two_agent_calls(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    text = "what is 2+3, and summarize this: Dapr is a runtime. It has sidecars."
    response = client.post("/v1/tasks", json={"input": text})
    assert response.status_code == 201, response.text
    task = response.json()
    assert task["agents"] == ["calculator", "summarizer"]
    assert task["agent"] is None
    assert [(s["agent"], s["skill"], s["input"]) for s in task["steps"]] == [
        ("calculator", "arithmetic", "what is 2+3"),
        ("summarizer", "summarize", "summarize this: Dapr is a runtime. It has sidecars"),
    ]
    assert task["output"] == "- calculator: 5\n- summarizer: short"
    assert [a for a, _, _ in dapr.invocations] == ["calculator", "summarizer"]


def test_a_single_part_request_answers_with_that_agent_output(client: TestClient) -> None:
    task = client.post("/v1/tasks", json={"input": "2+3"}).json()
    assert (task["agent"], task["output"], task["agents"]) == ("calculator", "5", ["calculator"])


def test_one_failing_part_gives_a_degraded_answer_naming_it(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    del dapr.agents["summarizer"]
    task = client.post("/v1/tasks", json={"input": "what is 2+3, and summarize this: a b c"}).json()
    assert task["status"] == "completed"
    assert task["agents"] == ["calculator"]
    assert "summarizer failed" in task["output"]
    assert [s["status"] for s in task["steps"]] == ["completed", "failed"]


def test_an_agent_registered_at_run_time_becomes_plannable(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    weather = AgentDescription(
        name="Weather",
        description="Forecasts.",
        version="1.0.0",
        skills=(
            Skill(
                id="forecast",
                name="Weather forecast",
                description="Tell the weather forecast, rain and temperature for a city.",
                tags=("weather", "forecast"),
            ),
        ),
    )

    async def forecast(payload: Any) -> Any:
        return {"agent": "weather", "output": "sunny", "data": {}}

    before = client.post("/v1/tasks", json={"input": "weather forecast for Oslo"}).json()
    assert before["agent"] == "summarizer"  # nobody better yet
    dapr.agents["weather"] = forecast
    event = registration("register", "weather", card=card_for(weather, "weather"))
    assert client.post(REGISTRY_ROUTE, json=event).json() == {"status": "SUCCESS"}
    after = client.post("/v1/tasks", json={"input": "weather forecast for Oslo"}).json()
    assert (after["agent"], after["output"]) == ("weather", "sunny")
