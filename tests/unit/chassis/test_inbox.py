"""An agent's inbox for asynchronous work (our A2A pub/sub binding): its own A2A endpoint
answers, once per message id."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

import chassis.dapr
from agents.calculator.main import build_app
from agents.calculator.settings import CalculatorSettings
from chassis.testing import InlineWork, InMemoryDapr
from tests.unit.a2a_messages import answer, reason, step

ROUTE = "/events/pubsub/agent.requests.calculator"


def work(message_id: str, text: str, *, agent: str = "calculator", seconds: float = 10) -> Any:
    deadline = datetime.now(UTC) + timedelta(seconds=seconds)
    request = step(text, seconds=seconds, context_id="t1")
    request["message"]["messageId"] = "ab" * 16
    return {
        "id": message_id,
        "source": "orchestrator",
        "type": "com.dapr.event.sent",
        "specversion": "1.0",
        "data": {
            "taskId": "t1",
            "stepId": "ab" * 16,
            "agent": agent,
            "deadline": deadline.isoformat(),
            "request": request,
        },
    }


@pytest.fixture
def dapr() -> InMemoryDapr:
    return InMemoryDapr()


@pytest.fixture
def client(dapr: InMemoryDapr) -> Iterator[TestClient]:
    settings = CalculatorSettings(app_id="calculator", self_register=False)
    with TestClient(build_app(settings, dapr=dapr, work=InlineWork())) as test_client:
        yield test_client


def results(dapr: InMemoryDapr) -> list[Any]:
    return [event for _, topic, event in dapr.published if topic == "agent.results.calculator"]


def test_work_is_answered_on_the_results_topic_under_the_work_id(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    assert client.post(ROUTE, json=work("w1", "2+3")).json() == {"status": "SUCCESS"}
    [result] = results(dapr)
    assert result["task"]["status"]["state"] == "TASK_STATE_COMPLETED"
    assert answer(result["task"])[0] == "2 + 3 = 5"
    assert (result["agent"], result["stepId"], result["taskId"]) == ("calculator", "ab" * 16, "t1")
    assert result["task"]["contextId"] == "t1"
    assert dapr.publish_metadata[-1] == {"cloudevent.id": "w1"}


def test_a_redelivered_message_is_answered_again_without_working_on_it(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    client.post(ROUTE, json=work("w1", "2+3"))
    answered = dict(dapr.state)
    assert client.post(ROUTE, json=work("w1", "9+9")).json() == {"status": "SUCCESS"}
    first, second = results(dapr)
    assert second == first  # the stored answer to w1, not 18
    assert dapr.state == answered


def test_input_the_agent_refuses_is_answered_as_a_rejected_task_with_the_reason(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    client.post(ROUTE, json=work("w1", "please compute nothing"))
    [result] = results(dapr)
    assert result["task"]["status"]["state"] == "TASK_STATE_REJECTED"
    # Courtesy words are dropped first (phrasing.arithmetic); the first unread word is named.
    assert reason(result["task"]).startswith("cannot read 'nothing' at column 1")


def test_work_past_its_deadline_is_answered_failed_without_running(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    client.post(ROUTE, json=work("w1", "2+3", seconds=-1))
    [result] = results(dapr)
    assert result["task"]["status"]["state"] == "TASK_STATE_FAILED"
    assert reason(result["task"]) == "deadline passed"


def test_a_request_the_a2a_endpoint_cannot_take_is_answered_failed_with_why(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    event = work("w1", "2+3")
    event["data"]["request"] = {"message": {"messageId": "m"}}  # no role, no parts
    assert client.post(ROUTE, json=event).json() == {"status": "SUCCESS"}
    [result] = results(dapr)
    assert result["task"]["status"]["state"] == "TASK_STATE_FAILED"
    assert reason(result["task"]).startswith("the agent could not take the work")


@pytest.mark.parametrize(
    "event",
    [
        {"id": "x", "source": "o", "type": "t", "specversion": "1.0", "data": {"taskId": "t"}},
        work("w2", "2+3", agent="summarizer"),
        "not even an object",
    ],
)
def test_work_that_cannot_be_read_is_dropped_to_the_dead_letters(
    client: TestClient, dapr: InMemoryDapr, event: Any
) -> None:
    assert client.post(ROUTE, json=event).json() == {"status": "DROP"}
    assert results(dapr) == []


def test_when_the_result_cannot_be_published_dapr_is_asked_to_retry_and_it_is_sent_then(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    dapr.publish_fails = True
    assert client.post(ROUTE, json=work("w1", "2+3")).json() == {"status": "RETRY"}
    assert results(dapr) == []
    dapr.publish_fails = False
    assert client.post(ROUTE, json=work("w1", "9+9")).json() == {"status": "SUCCESS"}
    [result] = results(dapr)
    assert answer(result["task"])[0] == "2 + 3 = 5"  # kept, not worked on again


def test_a_result_too_large_to_publish_is_given_up_with_the_reason_on_the_dead_letters(
    client: TestClient, dapr: InMemoryDapr, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chassis.dapr, "MAX_MESSAGE_BYTES", 400)
    assert client.post(ROUTE, json=work("w1", "2+3")).json() == {"status": "SUCCESS"}
    assert results(dapr) == []
    [(topic, letter)] = [(t, e) for _, t, e in dapr.published if t.startswith("tasks.")]
    assert topic == "tasks.deadletter.calculator"
    assert (letter["stepId"], letter["taskId"], letter["agent"]) == ("ab" * 16, "t1", "calculator")
    assert "exceeds the limit of 400 bytes" in letter["reason"]
