"""Wiring: settings -> documents -> embeddings -> index -> service -> API."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from agents.knowledge.api import answer
from agents.knowledge.service import build_service
from agents.knowledge.settings import KnowledgeSettings
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
    name="Knowledge",
    description="Answers questions from the project's documentation, with citations.",
    version="0.1.0",
    skills=(
        Skill(
            id="docs-qa",
            name="Documentation questions",
            # The topics are the documents' own sections: a planner routes by them.
            description=(
                "Answer questions about Hubspoke, this project, from its documentation "
                "(README, deployment guide), with citations: what the docs say about a topic, "
                "how to run, use, extend or deploy it. Topics: running it, the hub's API, "
                "the agent contract and registry, A2A, adding an agent in any language, planning, "
                "observability and tracing, asynchronous tasks, failure handling, zero-trust "
                "security, container images, Kubernetes and AKS, the Dapr runtime, benchmarks."
            ),
            tags=("docs", "documentation", "readme", "knowledge", "question", "explain"),
            examples=("what does the README say about access control?", "how do I add an agent?"),
        ),
    ),
    # The documents change: the answer is only checked to quote and cite them.
    evaluation=(
        EvaluationExample(
            skill="docs-qa",
            input="how do I add an agent?",
            expect=ExampleExpectation(contains=["agent", "Sources:"]),
        ),
    ),
)


def build_app(settings: KnowledgeSettings | None = None, dapr: DaprPort | None = None) -> FastAPI:
    """The knowledge agent; the index is built from the documents before it serves."""
    settings = settings or KnowledgeSettings()

    async def setup(app: FastAPI, _: DaprPort) -> None:
        app.state.service = await build_service(settings, Path.cwd())

    return create_agent_app(agent=AGENT, settings=settings, answer=answer, setup=setup, dapr=dapr)
