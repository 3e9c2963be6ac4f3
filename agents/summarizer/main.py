"""Wiring: description + settings -> repository -> service -> API (+ subscription)."""

from __future__ import annotations

from fastapi import FastAPI

from agents.summarizer.api import answer, router, subscribe
from agents.summarizer.models import SummaryArguments
from agents.summarizer.persistence import ActivityRepository
from agents.summarizer.service import SummarizerService
from agents.summarizer.settings import SummarizerSettings
from chassis.agent import (
    AgentDescription,
    EvaluationExample,
    ExampleExpectation,
    Skill,
    create_agent_app,
)
from chassis.dapr import DaprPort

__all__ = ["AGENT", "build_app"]

AGENT = AgentDescription(
    name="Summarizer",
    description="Summarizes text; keeps a record of every finished task it hears about.",
    version="0.1.0",
    skills=(
        Skill(
            id="summarize",
            name="Summarize text",
            description=(
                "Summarize, shorten or condense a text into its most informative sentences "
                "(tl;dr). Also the fallback for plain text no other skill matches."
            ),
            tags=("text", "summary", "summarize", "fallback"),
            examples=("summarize: <text>", "tl;dr <text>"),
            arguments_model=SummaryArguments,
        ),
    ),
    evaluation=(
        EvaluationExample(
            skill="summarize",
            input=(
                "summarize: Dapr sidecars carry every call between the hub and its agents. "
                "Each agent registers its card with the orchestrator."
            ),
            expect=ExampleExpectation(contains=["sidecars", "card"]),
        ),
        EvaluationExample(
            skill="summarize", input="tl;dr", expect=ExampleExpectation(state="rejected")
        ),
    ),
)


def build_app(settings: SummarizerSettings | None = None, dapr: DaprPort | None = None) -> FastAPI:
    """The summarizer app; tests pass settings and a fake Dapr port."""
    settings = settings or SummarizerSettings()

    def setup(app: FastAPI, sidecar: DaprPort) -> None:
        app.state.service = SummarizerService(
            agent_id=settings.app_id, activity=ActivityRepository(sidecar, settings.state_store)
        )

    app = create_agent_app(
        agent=AGENT, settings=settings, answer=answer, routers=[router], setup=setup, dapr=dapr
    )
    subscribe(app, settings.pubsub, settings.hub_app_id)
    return app
