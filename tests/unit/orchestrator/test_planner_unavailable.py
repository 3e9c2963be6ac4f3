"""A planning model that cannot be reached: a 503 problem and a failed task, never a 500."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx2 as httpx  # the OpenAI client's own httpx (see chat_services.py)
import pytest
from fastapi.testclient import TestClient

from agents.calculator.main import AGENT as CALCULATOR
from chassis.testing import InMemoryDapr
from orchestrator.main import build_app
from orchestrator.planning.chat_services import build_chat_service
from tests.unit.orchestrator.conftest import (
    API_KEY,
    calculator,
    card_for,
    orchestrator_settings,
    registration,
    registry_post,
)


def _refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


@pytest.fixture
def client() -> Iterator[TestClient]:
    """An orchestrator planning through an OpenAI-compatible endpoint that refuses connections."""
    settings = orchestrator_settings(
        verify_cards=False,
        ai_provider="openai-compatible",
        openai_base_url="http://127.0.0.1:9/v1",
        openai_model="planner",
    )
    chat = build_chat_service(
        settings, http_client=httpx.AsyncClient(transport=httpx.MockTransport(_refused))
    )
    dapr = InMemoryDapr({"calculator": calculator})
    app = build_app(
        settings, dapr=dapr, monitor=False, chat_service=chat, agents_http=dapr.agents_http()
    )
    with TestClient(app, headers={"X-API-Key": API_KEY}) as test_client:
        event = registration("register", "calculator", card=card_for(CALCULATOR, "calculator"))
        assert test_client.post(**registry_post(event)).json() == {"status": "SUCCESS"}
        yield test_client


def test_an_unreachable_planner_is_a_503_problem_and_the_task_is_stored_failed(
    client: TestClient,
) -> None:
    answer = client.post("/v1/tasks", json={"input": "What is 2+3?"})
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "planning model did not answer" in answer.json()["detail"]
    deadline = time.monotonic() + 10  # the recent-task index is written in the background
    while not (listed := client.get("/v1/tasks", params={"limit": 5}).json()["tasks"]):
        assert time.monotonic() < deadline, "the failed task was never listed"
        time.sleep(0.05)
    [task] = listed
    assert task["status"] == "failed"
    assert task["error_status"] == 503


def test_a_named_agent_needs_no_planner(client: TestClient) -> None:
    answer = client.post("/v1/tasks", json={"input": "What is 2+3?", "agent": "calculator"})
    assert answer.status_code == 201, answer.text
