from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from agents.calculator.arithmetic import ExpressionError, evaluate
from agents.calculator.main import build_app
from agents.calculator.settings import CalculatorSettings


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


def test_invoke_answers_in_the_v1_contract() -> None:
    client = TestClient(build_app(CalculatorSettings(app_id="calculator")))
    response = client.post("/v1/invoke", json={"task_id": "t1", "input": "what is 17% of 240"})
    assert response.status_code == 200
    assert response.json() == {
        "agent": "calculator",
        "output": "40.8",
        "data": {"expression": "(17/100)*240", "value": pytest.approx(40.8)},
    }


def test_invoke_without_arithmetic_is_422_with_reason() -> None:
    client = TestClient(build_app(CalculatorSettings(app_id="calculator")))
    response = client.post("/v1/invoke", json={"task_id": "t1", "input": "hello"})
    assert response.status_code == 422
    assert response.json()["detail"] == "no arithmetic expression found in the input"
