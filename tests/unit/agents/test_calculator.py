from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from agents.calculator.arithmetic import ExpressionError, evaluate
from agents.calculator.main import build_app
from agents.calculator.settings import CalculatorSettings
from chassis.card import HubspokeCard
from chassis.contract import REGISTRY_TOPIC
from chassis.testing import InMemoryDapr


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2+3", 5),
        ("what is 17% of 240?", 40.8),
        ("(1 + 2) * 3 - 4 / 2", 7),
        ("2^10", 1024),
        ("7 times 6", 42),
        ("-3 * -3", 9),
        ("10 // 3 and 10 % 3", 3),
    ],
)
def test_evaluates_arithmetic_in_text(text: str, value: float) -> None:
    assert evaluate(text).value == pytest.approx(value)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("hello there", "no arithmetic expression"),
        ("1/0", "division by zero"),
        ("2**100000", "exponent above"),
        ("(2+", "not a valid expression"),
    ],
)
def test_refuses_what_it_cannot_evaluate(text: str, reason: str) -> None:
    with pytest.raises(ExpressionError, match=reason):
        evaluate(text)


@pytest.fixture
def dapr() -> InMemoryDapr:
    return InMemoryDapr()


@pytest.fixture
def client(dapr: InMemoryDapr) -> Iterator[TestClient]:
    settings = CalculatorSettings(app_id="calculator", app_port=8001)
    with TestClient(build_app(settings, dapr=dapr)) as test_client:
        yield test_client


def test_invoke_answers_in_the_v1_contract(client: TestClient) -> None:
    response = client.post("/v1/invoke", json={"task_id": "t1", "input": "what is 17% of 240"})
    assert response.status_code == 200
    assert response.json() == {
        "agent": "calculator",
        "output": "40.8",
        "data": {"expression": "(17/100)*240", "value": pytest.approx(40.8)},
        "outcome": "completed",
        "reason": None,
    }


@pytest.mark.parametrize(
    ("text", "reason"),
    [("hello", "no arithmetic expression found in the input"), ("1/0", "division by zero")],
)
def test_invoke_without_arithmetic_is_a_refusal_with_its_reason(
    client: TestClient, text: str, reason: str
) -> None:
    response = client.post("/v1/invoke", json={"task_id": "t1", "input": text})
    assert response.status_code == 200  # answered: nothing for Dapr to retry or count
    assert response.json() == {
        "agent": "calculator",
        "output": "",
        "data": {},
        "outcome": "refused",
        "reason": reason,
    }


def test_card_is_an_a2a_card_with_the_hubspoke_extension(client: TestClient) -> None:
    raw = client.get("/.well-known/agent-card.json").json()
    parsed = HubspokeCard.parse(raw)
    assert parsed.app_id == "calculator"
    assert parsed.hubspoke.contract_version == "hubspoke.agent/v1"
    assert [s.id for s in parsed.card.skills] == ["arithmetic"]
    schemas = parsed.hubspoke.skills["arithmetic"]
    assert schemas.input_schema["required"] == ["task_id", "input"]
    assert raw["supportedInterfaces"][0]["url"] == "http://127.0.0.1:8001/v1"


def test_agent_registers_on_start_and_deregisters_on_stop(dapr: InMemoryDapr) -> None:
    settings = CalculatorSettings(app_id="calculator")
    with TestClient(build_app(settings, dapr=dapr)):
        pass
    kinds = [event["kind"] for _, topic, event in dapr.published if topic == REGISTRY_TOPIC]
    assert kinds[0] == "register"
    assert kinds[-1] == "deregister"
    register = next(e for _, _, e in dapr.published if e["kind"] == "register")
    assert HubspokeCard.parse(register["card"]).app_id == "calculator"
