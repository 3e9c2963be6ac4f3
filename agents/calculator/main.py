"""Wiring: description + settings -> service -> API (the chassis adds card and registration)."""

from __future__ import annotations

from fastapi import FastAPI

from agents.calculator.api import answer
from agents.calculator.arithmetic import Limits
from agents.calculator.models import ArithmeticArguments
from agents.calculator.service import CalculatorService
from agents.calculator.settings import CalculatorSettings
from chassis.agent import (
    AgentDescription,
    EvaluationExample,
    ExampleExpectation,
    Skill,
    create_agent_app,
)
from chassis.dapr import DaprPort
from chassis.work import WorkPort

__all__ = ["AGENT", "build_app"]

AGENT = AgentDescription(
    name="Calculator",
    description="Evaluates one arithmetic expression exactly, or says why it cannot.",
    version="0.1.0",
    skills=(
        Skill(
            id="arithmetic",
            name="Arithmetic",
            description=(
                "Evaluate one arithmetic expression exactly: add, subtract, multiply, divide, "
                "powers, square roots (sqrt), percentages ('17% of 240'), parentheses, "
                "scientific notation (1e3) and thousands separators (1,000); operators as "
                "signs or words (minus, times, divided by). Answers '1000 + 1 = 1001'."
            ),
            tags=("math", "arithmetic", "calculate", "percent", "numbers", "sqrt"),
            examples=("2+3", "what is 17% of 240?", "(1 + 2) * 3", "what is 5 minus 3"),
            arguments_model=ArithmeticArguments,
        ),
    ),
    evaluation=(
        EvaluationExample(
            skill="arithmetic",
            input="what is 17% of 240?",
            expect=ExampleExpectation(contains=["40.8"]),
        ),
        EvaluationExample(
            skill="arithmetic", input="1/0", expect=ExampleExpectation(state="rejected")
        ),
    ),
)


def build_app(
    settings: CalculatorSettings | None = None,
    dapr: DaprPort | None = None,
    work: WorkPort | None = None,
) -> FastAPI:
    """The calculator app; tests pass settings, a fake Dapr port and an inline work runner."""
    settings = settings or CalculatorSettings()
    limits = Limits(max_chars=settings.max_expression_chars, max_digits=settings.max_result_digits)

    def setup(app: FastAPI, _: DaprPort) -> None:
        app.state.service = CalculatorService(settings.app_id, work=app.state.work, limits=limits)

    return create_agent_app(
        agent=AGENT,
        settings=settings,
        answer=answer,
        setup=setup,
        dapr=dapr,
        work=work,
        work_modules=("agents.calculator.arithmetic",),
    )
