from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agents.summarizer.main import build_app
from agents.summarizer.settings import SummarizerSettings
from agents.summarizer.summarize import summarize
from chassis.testing import InMemoryDapr
from tests.unit.a2a_messages import answer, reason, send

TEXT = (
    "Dapr is a portable runtime for microservices. "
    "The weather was pleasant yesterday. "
    "Dapr sidecars give each microservice state, pub/sub and service invocation. "
    "Lunch was late."
)


def event(event_id: str, task_id: str, status: str = "completed") -> dict[str, Any]:
    return {
        "id": event_id,
        "source": "orchestrator",
        "type": "com.dapr.event.sent",
        "specversion": "1.0",
        "topic": "task.completed",
        "pubsubname": "pubsub",
        "data": {
            "task_id": task_id,
            "agent": "calculator",
            "status": status,
            "completed_at": "2026-11-24T00:00:00Z",
        },
    }


@pytest.fixture
def dapr() -> InMemoryDapr:
    return InMemoryDapr()


@pytest.fixture
def client(dapr: InMemoryDapr) -> Iterator[TestClient]:
    with TestClient(build_app(SummarizerSettings(app_id="summarizer"), dapr=dapr)) as c:
        yield c


def test_summary_keeps_the_sentences_about_the_main_topic() -> None:
    summary = summarize("summarize: " + TEXT)
    assert summary == (
        "Dapr is a portable runtime for microservices. "
        "Dapr sidecars give each microservice state, pub/sub and service invocation."
    )


def test_short_text_is_returned_whole() -> None:
    assert summarize("TL;DR: One sentence.") == "One sentence."


def test_a_message_is_answered_with_its_summary(client: TestClient) -> None:
    output, data = answer(send(client, TEXT))
    assert output.startswith("Dapr is a portable runtime")
    assert data == {"input_chars": len(TEXT)}


def test_the_instruction_is_never_part_of_the_summary(client: TestClient) -> None:
    task = send(client, "shorten this: The registry keeps agents. It removes stale ones")
    assert answer(task)[0] == "The registry keeps agents. It removes stale ones"


def test_the_text_argument_is_summarized_rather_than_the_message(client: TestClient) -> None:
    text = "Dapr runs beside each app. It handles calls and state."
    task = send(client, "please sum up the attached text", arguments={"text": text})
    assert answer(task)[0] == text


def test_a_message_with_only_an_instruction_is_rejected(client: TestClient) -> None:
    task = send(client, "summarize:")
    assert task["status"]["state"] == "TASK_STATE_REJECTED"
    assert reason(task) == "the input has no text to summarize"


def test_subscriptions_are_advertised_to_dapr(client: TestClient) -> None:
    subscriptions = client.get("/dapr/subscribe").json()
    topics = {(s["pubsubname"], s["topic"], s.get("deadLetterTopic")) for s in subscriptions}
    assert topics == {
        ("pubsub", "task.completed", None),
        ("pubsub", "agent.requests.summarizer", "tasks.deadletter.summarizer"),
    }


def test_completed_task_is_recorded_once_per_event(client: TestClient) -> None:
    route = "/events/pubsub/task.completed"
    assert client.post(route, json=event("e1", "t1")).json() == {"status": "SUCCESS"}
    assert client.post(route, json=event("e1", "t1")).json() == {"status": "SUCCESS"}
    assert client.post(route, json=event("e2", "t2", "failed")).json() == {"status": "SUCCESS"}
    activity = client.get("/v1/activity").json()
    assert (activity["completed"], activity["failed"]) == (1, 1)
    assert [t["task_id"] for t in activity["recent"]] == ["t2", "t1"]
    assert "seen_event_ids" not in activity


def test_concurrent_write_is_retried_not_lost(client: TestClient, dapr: InMemoryDapr) -> None:
    dapr.conflicts_to_inject = 2
    client.post("/events/pubsub/task.completed", json=event("e1", "t1"))
    assert client.get("/v1/activity").json()["completed"] == 1


def test_malformed_event_is_dropped(client: TestClient) -> None:
    response = client.post("/events/pubsub/task.completed", json={"id": "x", "data": {}})
    assert response.json() == {"status": "DROP"}
    assert client.get("/v1/activity").json()["completed"] == 0
