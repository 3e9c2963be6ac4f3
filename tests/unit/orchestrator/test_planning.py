"""Planning through Semantic Kernel with the local model, on an in-memory Dapr port."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from agents.calculator.main import AGENT as CALCULATOR
from agents.summarizer.main import AGENT as SUMMARIZER
from chassis.agent import AgentDescription, Skill
from chassis.testing import InMemoryDapr, failing_agent
from tests.unit.orchestrator.conftest import (
    card_for,
    orchestrator_settings,
    public_client,
    registration,
    registry_post,
)


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

    before = client.post("/v1/tasks", json={"input": "weather forecast for Oslo"})
    assert before.status_code == 422  # nobody can yet
    assert before.json()["detail"] == "no agent can do this: weather forecast for Oslo"
    dapr.agents["weather"] = forecast
    event = registration("register", "weather", card=card_for(weather, "weather"))
    assert client.post(**registry_post(event)).json() == {"status": "SUCCESS"}
    after = client.post("/v1/tasks", json={"input": "weather forecast for Oslo"}).json()
    assert (after["agent"], after["output"]) == ("weather", "sunny")


def register_second_calculator(client: TestClient, dapr: InMemoryDapr, output: str) -> None:

    async def answer(payload: Any) -> Any:
        return {"agent": "calculator-b", "output": output, "data": {}}

    dapr.agents["calculator-b"] = answer
    event = registration("register", "calculator-b", card=card_for(CALCULATOR, "calculator-b"))
    assert client.post(**registry_post(event)).json() == {"status": "SUCCESS"}


def test_a_failing_agent_fails_over_to_another_with_the_same_skill(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    register_second_calculator(client, dapr, output="5 (from b)")
    del dapr.agents["calculator"]  # down
    task = client.post("/v1/tasks", json={"input": "2+3"}).json()
    assert task["status"] == "completed"
    assert task["output"] == "5 (from b)"
    assert [(s["agent"], s["status"]) for s in task["steps"]] == [
        ("calculator", "failed"),
        ("calculator-b", "completed"),
    ]
    assert task["agents"] == ["calculator-b"]


def test_an_agent_that_rejects_the_input_is_not_retried_elsewhere(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    register_second_calculator(client, dapr, output="never")
    dapr.agents["calculator"] = failing_agent(422, "no arithmetic expression found")
    response = client.post("/v1/tasks", json={"input": "2+3"})
    assert response.status_code == 422
    assert "calculator-b" not in [a for a, _, _ in dapr.invocations]


def test_a_plan_is_bounded_in_agent_calls(dapr: InMemoryDapr) -> None:

    settings = orchestrator_settings(verify_cards=False, max_plan_steps=2)
    with public_client(dapr, settings) as client:
        for agent, app_id in ((CALCULATOR, "calculator"), (SUMMARIZER, "summarizer")):
            event = registration("register", app_id, card=card_for(agent, app_id))
            client.post(**registry_post(event))
        text = "; ".join(f"what is {n}+{n}" for n in range(1000))
        response = client.post("/v1/tasks", json={"input": text})
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        reason = "the plan exceeds 2 agent calls; send fewer requests in one task"
        assert response.json()["detail"] == reason
        task = client.get(f"/v1/tasks/{response.json()['task_id']}").json()
    # Stored: the calls made and the first one over, not one step per planned call.
    assert [s["status"] for s in task["steps"]] == ["completed", "completed", "failed"]
    assert task["steps"][2]["error"] == reason
    assert (task["status"], task["output"]) == ("failed", None)


def test_an_input_over_the_configured_size_is_refused_before_a_task_is_made(
    dapr: InMemoryDapr,
) -> None:
    settings = orchestrator_settings(verify_cards=False, max_input_chars=100)
    with public_client(dapr, settings) as client:
        event = registration("register", "calculator", card=card_for(CALCULATOR, "calculator"))
        client.post(**registry_post(event))
        response = client.post("/v1/tasks", json={"input": "1+1 " * 26})
        assert response.status_code == 422, response.text
        assert "at most 100 are taken in one task" in response.json()["detail"]
        assert "task_id" not in response.json()
    assert dapr.invocations == []


def test_a_request_no_agent_fits_is_refused_naming_it_and_calls_no_agent(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    response = client.post("/v1/tasks", json={"input": "translate hello into French"})
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["detail"] == "no agent can do this: translate hello into French"
    assert dapr.invocations == []
    stored = client.get(f"/v1/tasks/{problem['task_id']}").json()
    assert (stored["status"], stored["error"]) == ("failed", problem["detail"])


def test_the_doable_parts_are_answered_and_the_undoable_part_named(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    text = "what is 2+2 and translate hello into French"
    task = client.post("/v1/tasks", json={"input": text}).json()
    assert task["status"] == "completed", task
    assert [(s["agent"], s["input"]) for s in task["steps"]] == [("calculator", "what is 2+2")]
    assert task["output"] == (
        "- calculator: 5\n- no agent can do this: translate hello into French"
    )


def test_a_streamed_request_no_agent_fits_ends_with_a_422_error_event(
    client: TestClient,
) -> None:
    body = {"input": "translate hello into French"}
    with client.stream("POST", "/v1/tasks/stream", json=body) as response:
        lines = list(response.iter_lines())
    error = lines[lines.index("event: error") + 1]
    assert '"status":422' in error.replace(" ", "")
    assert "no agent can do this: translate hello into French" in error
