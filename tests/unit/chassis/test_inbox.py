"""An agent's inbox for asynchronous work: its own API answers, once per message id."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agents.calculator.main import build_app
from agents.calculator.settings import CalculatorSettings
from chassis.contract import AGENT_RESULTS_TOPIC
from chassis.testing import InlineWork, InMemoryDapr

ROUTE = "/events/pubsub/agent.requests.calculator"


def work(message_id: str, text: str, *, agent: str = "calculator", seconds: float = 10) -> Any:
    deadline = datetime.now(UTC) + timedelta(seconds=seconds)
    return {
        "id": message_id,
        "source": "orchestrator",
        "type": "com.dapr.event.sent",
        "specversion": "1.0",
        "data": {
            "task_id": "t1",
            "step_id": "ab" * 16,
            "agent": agent,
            "input": text,
            "deadline": deadline.isoformat(),
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
    return [event for _, topic, event in dapr.published if topic == AGENT_RESULTS_TOPIC]


def test_work_is_answered_on_the_results_topic_under_the_work_id(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    assert client.post(ROUTE, json=work("w1", "2+3")).json() == {"status": "SUCCESS"}
    [result] = results(dapr)
    assert result["response"]["output"] == "2 + 3 = 5"
    assert (result["agent"], result["step_id"], result["status"]) == ("calculator", "ab" * 16, 200)
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


def test_input_the_agent_refuses_is_answered_as_a_refusal_with_the_reason(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    client.post(ROUTE, json=work("w1", "please compute nothing"))
    [result] = results(dapr)
    assert (result["status"], result["error"]) == (200, None)
    assert result["response"]["outcome"] == "refused"
    assert result["response"]["reason"].startswith("cannot read 'please' at column 1")


def test_work_past_its_deadline_is_answered_504_without_running(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    client.post(ROUTE, json=work("w1", "2+3", seconds=-1))
    [result] = results(dapr)
    assert result["status"] == 504


@pytest.mark.parametrize(
    "event",
    [
        {"id": "x", "source": "o", "type": "t", "specversion": "1.0", "data": {"input": "2+3"}},
        work("w2", "2+3", agent="summarizer"),
        "not even an object",
    ],
)
def test_work_that_cannot_be_read_is_dropped_to_the_dead_letters(
    client: TestClient, dapr: InMemoryDapr, event: Any
) -> None:
    assert client.post(ROUTE, json=event).json() == {"status": "DROP"}
    assert results(dapr) == []


def test_when_the_result_cannot_be_published_dapr_is_asked_to_retry(
    client: TestClient, dapr: InMemoryDapr
) -> None:
    dapr.publish_fails = True
    assert client.post(ROUTE, json=work("w1", "2+3")).json() == {"status": "RETRY"}
    assert dapr.state == {}  # nothing remembered: the next delivery works on it
    dapr.publish_fails = False
    assert client.post(ROUTE, json=work("w1", "2+3")).json() == {"status": "SUCCESS"}
    assert len(results(dapr)) == 1
