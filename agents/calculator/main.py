"""Wiring: description + settings -> service -> API (the chassis adds card and registration)."""

from __future__ import annotations

from fastapi import FastAPI

from agents.calculator.api import router
from agents.calculator.service import CalculatorService
from agents.calculator.settings import CalculatorSettings
from chassis.agent import AgentDescription, Skill, create_agent_app
from chassis.dapr import DaprPort

__all__ = ["AGENT", "build_app"]

AGENT = AgentDescription(
    name="Calculator",
    description="Evaluates arithmetic written in plain text.",
    version="0.1.0",
    skills=(
        Skill(
            id="arithmetic",
            name="Arithmetic",
            description=(
                "Evaluate arithmetic: add, subtract, multiply, divide, powers, "
                "percentages ('17% of 240') and parentheses in a number expression."
            ),
            tags=("math", "arithmetic", "calculate", "percent", "numbers"),
            examples=("2+3", "what is 17% of 240?", "(1 + 2) * 3"),
        ),
    ),
)


def build_app(settings: CalculatorSettings | None = None, dapr: DaprPort | None = None) -> FastAPI:
    """The calculator app; tests pass settings and a fake Dapr port."""
    settings = settings or CalculatorSettings()

    def setup(app: FastAPI, _: DaprPort) -> None:
        app.state.service = CalculatorService(settings.app_id)

    return create_agent_app(
        agent=AGENT, settings=settings, routers=[router], setup=setup, dapr=dapr
    )
