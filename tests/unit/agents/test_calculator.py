from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, TypeVar

import pytest
from fastapi.testclient import TestClient

from agents.calculator.arithmetic import ExpressionError, Limits, evaluate
from agents.calculator.main import build_app
from agents.calculator.settings import CalculatorSettings
from chassis.card import HubspokeCard
from chassis.contract import agent_registry_topic
from chassis.testing import InlineWork, InMemoryDapr
from chassis.work import ProcessWork, WorkBudgetExceeded
from tests.unit.a2a_messages import answer, send
from tests.unit.a2a_messages import reason as status_text

T = TypeVar("T")


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        # issue 12's examples, each answered correctly now
        ("1e3+1", "1e3 + 1 = 1001"),
        ("1,000 + 1", "1000 + 1 = 1001"),
        ("sqrt(16) + 3*4", "sqrt(16) + 3 * 4 = 16"),
        ("what is 5 minus 3", "5 - 3 = 2"),
        ("sqrt(16)", "sqrt(16) = 4"),
        # and what the calculator answered before
        ("2+3", "2 + 3 = 5"),
        ("what is 17% of 240?", "17% of 240 = 40.8"),
        ("(1 + 2) * 3 - 4 / 2", "(1 + 2) * 3 - 4 / 2 = 7"),
        ("2^10", "2^10 = 1024"),
        ("2 ** 10", "2^10 = 1024"),
        ("7 times 6", "7 * 6 = 42"),
        ("-3 * -3", "-3 * -3 = 9"),
        ("10 // 3", "10 // 3 = 3"),
        ("10 mod 3", "10 mod 3 = 1"),
        # spellings
        ("Calculate 2 divided by 8", "2 / 8 = 0.25"),
        ("what's 2 to the power of 100?", "2^100 = 1267650600228229401496703205376"),
        ("2.5E-4 \N{MULTIPLICATION SIGN} 4", "2.5e-4 * 4 = 0.001"),
        ("\N{MINUS SIGN}5 + 2 =", "-5 + 2 = -3"),
        ("1,234,567.5 - .5", "1234567.5 - .5 = 1234567"),
        # exact where an exact value exists, "≈" where it does not
        ("0.1 + 0.2", "0.1 + 0.2 = 0.3"),
        # found by the property test: 30 exact digits, more than Decimal's default 28
        ("(0.01 + 290115)^4", "(0.01 + 290115)^4 = 7084036591820480691489.09546001"),
        ("8^(2/3)", "8^(2 / 3) = 4"),
        ("4^0.5", "4^0.5 = 2"),
        ("1/3", "1 / 3 \N{ALMOST EQUAL TO} 0.333333333333"),
        ("\N{SQUARE ROOT}(2)", "sqrt(2) \N{ALMOST EQUAL TO} 1.41421356237"),
        ("10^20 / 3", "10^20 / 3 \N{ALMOST EQUAL TO} 3.33333333333e19"),
    ],
)
def test_evaluates_the_whole_expression(text: str, answer: str) -> None:
    assert evaluate(text).answer == answer


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("(-8)^(1/3)", "ambiguous: a negative number to a fractional power"),
        ("sqrt(-4)", "complex number"),
        ("(-4)^0.5", "complex number"),
        ("-2^2", r"ambiguous: write -\(2\^2\) or \(-2\)\^2"),
        ("2^3^2", r"ambiguous: write 2\^\(3\^2\) or \(2\^3\)\^2"),
        ("10 % 3", "ambiguous: write 'mod' for a remainder"),
        ("1,5 + 1", "ambiguous: commas only separate groups of three"),
        ("-7 // 2", "negative number is ambiguous"),
        ("0^0", "no agreed value"),
        ("1/0", "division by zero"),
        ("0^-1", "division by zero"),
        ("hello there", "cannot read 'hello' at column 1"),
        ("abacus 2+3", "cannot read 'abacus'"),
        ("10 // 3 and 10 mod 3", "cannot read 'and'"),
        ("3 x 4", "cannot read 'x'"),
        ("sqrt 16", "unexpected"),
        ("(2+", "ends too early"),
        ("50%", "ends too early"),
    ],
)
def test_refuses_what_it_cannot_answer_and_says_why(text: str, reason: str) -> None:
    with pytest.raises(ExpressionError, match=reason):
        evaluate(text)


@pytest.mark.parametrize(
    "text",
    [
        "(10**1000)**1000",  # issue 12: a million digits
        "((10^1000)^1000)^1000",
        "9^9^9",  # refused as ambiguous before anything is computed
        "(9^9)^(9^9)",
        "2^5000",
        "1e1001",
        "1e-1001",
        "(1/3)^3000",
        "10^900 * 10^900",
        # Exponents past a float's range (found by a new user: they raised OverflowError,
        # a 500 that Dapr retried and counted against the calculator's breaker).
        "2^(10^999)",
        "(0.5)^(10^999)",
        "1.5^(10^999)",
        "(-0.5)^(10^999)",
        "(10^-999)^(10^999)",
        "(1+10^-999)^(10^999)",
        "(0.5)^(10^400)",
        "2^-1000000",
    ],
)
def test_refuses_results_beyond_the_size_bound_before_computing_them(text: str) -> None:
    with pytest.raises(ExpressionError, match=r"too large|ambiguous|beyond the bound"):
        evaluate(text)


def test_size_and_length_bounds_come_from_the_limits() -> None:
    assert evaluate("2^3000").value == str(2**3000)
    with pytest.raises(ExpressionError, match="bounded to 100 digits"):
        evaluate("2^3000", Limits(max_digits=100))
    with pytest.raises(ExpressionError, match="longer than 10 characters"):
        evaluate("1+1+1+1+1+1", Limits(max_chars=10))


@pytest.fixture
def dapr() -> InMemoryDapr:
    return InMemoryDapr()


@pytest.fixture
def client(dapr: InMemoryDapr) -> Iterator[TestClient]:
    settings = CalculatorSettings(app_id="calculator", app_port=8001)
    with TestClient(build_app(settings, dapr=dapr, work=InlineWork())) as test_client:
        yield test_client


def test_the_expression_argument_is_evaluated_rather_than_the_text(client: TestClient) -> None:
    task = send(client, "what is twenty three nineteens", arguments={"expression": "23 * 19"})
    assert answer(task)[0] == "23 * 19 = 437"
    malformed = send(client, "2+2", arguments={"expression": ""})
    assert malformed["status"]["state"] == "TASK_STATE_REJECTED"
    assert status_text(malformed).startswith("arguments: String should have at least 1")


def test_the_card_states_the_arguments_schema(client: TestClient) -> None:
    card = client.get("/.well-known/agent-card.json").json()
    [extension] = card["capabilities"]["extensions"]
    schema = extension["params"]["skills"]["arithmetic"]["argumentsSchema"]
    assert schema["required"] == ["expression"]


def test_a_message_is_answered_with_the_evaluated_expression(client: TestClient) -> None:
    task = send(client, "what is 17% of 240")
    assert task["status"]["state"] == "TASK_STATE_COMPLETED"
    assert answer(task) == (
        "17% of 240 = 40.8",
        {"expression": "17% of 240", "value": "40.8", "exact": True},
    )


@pytest.mark.parametrize(
    ("text", "reason"), [("hello", "cannot read 'hello' at column 1"), ("1/0", "division by zero")]
)
def test_a_message_without_arithmetic_is_rejected_with_its_reason(
    client: TestClient, text: str, reason: str
) -> None:
    task = send(client, text)  # HTTP 200, a JSON-RPC result: nothing for Dapr to retry or count
    assert task["status"]["state"] == "TASK_STATE_REJECTED"
    assert status_text(task).startswith(reason), task


class OverBudget:
    """A work port whose every job runs past its budget."""

    def __init__(self) -> None:
        self.deadlines: list[datetime | None] = []

    async def run(self, job: Callable[[], T], *, deadline: datetime | None = None) -> T:
        self.deadlines.append(deadline)
        raise WorkBudgetExceeded("the computation exceeded its 2.0 s budget")


def test_work_past_its_budget_is_refused_with_reason(dapr: InMemoryDapr) -> None:
    work = OverBudget()
    settings = CalculatorSettings(app_id="calculator")
    with TestClient(build_app(settings, dapr=dapr, work=work)) as over_budget:
        task = send(over_budget, "2+2", deadline="2100-01-01T00:00:00Z")
    assert task["status"]["state"] == "TASK_STATE_REJECTED"
    assert status_text(task) == "the computation exceeded its 2.0 s budget"
    assert work.deadlines == [datetime.fromisoformat("2100-01-01T00:00:00+00:00")]


def test_the_calculator_evaluates_in_a_worker_process_by_default(dapr: InMemoryDapr) -> None:
    settings = CalculatorSettings(app_id="calculator", work_processes=1)
    app = build_app(settings, dapr=dapr)
    with TestClient(app) as real:
        assert isinstance(app.state.work, ProcessWork)
        # Starting a worker process on a busy machine takes seconds: no tight deadline here.
        refused = send(real, "(10**1000)**1000", seconds=120)
        answered = send(real, "6*7", seconds=120)
    assert refused["status"]["state"] == "TASK_STATE_REJECTED"
    assert "too large" in status_text(refused)
    assert answer(answered)[0] == "6 * 7 = 42"


def test_card_is_an_a2a_card_with_the_hubspoke_extension(client: TestClient) -> None:
    raw = client.get("/.well-known/agent-card.json").json()
    parsed = HubspokeCard.parse(raw)
    assert parsed.app_id == "calculator"
    assert parsed.hubspoke.contract_version == "hubspoke.agent/v2"
    assert [s.id for s in parsed.card.skills] == ["arithmetic"]
    schemas = parsed.hubspoke.skills["arithmetic"]
    assert (schemas.input_schema["type"], schemas.input_schema["maxLength"]) == ("string", 20_000)
    assert schemas.output_schema["required"] == ["output"]
    # Reached through the caller's own sidecar, never at the app port (8001).
    assert raw["supportedInterfaces"][0] == {
        "url": "http://localhost:3500/v1.0/invoke/calculator/method/a2a",
        "protocolBinding": "JSONRPC",
        "protocolVersion": "1.0",
    }


def test_agent_registers_on_start_and_deregisters_on_stop(dapr: InMemoryDapr) -> None:
    settings = CalculatorSettings(app_id="calculator")
    with TestClient(build_app(settings, dapr=dapr, work=InlineWork())):
        pass
    kinds = [
        event["kind"]
        for _, topic, event in dapr.published
        if topic == agent_registry_topic("calculator")
    ]
    assert kinds[0] == "register"
    assert kinds[-1] == "deregister"
    register: dict[str, Any] = next(e for _, _, e in dapr.published if e["kind"] == "register")
    assert HubspokeCard.parse(register["card"]).app_id == "calculator"
