"""Wiring: settings -> documents -> embeddings -> index -> service -> API."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI

from agents.knowledge.api import answer
from agents.knowledge.settings import KnowledgeSettings
from chassis.agent import (
    AgentDescription,
    EvaluationExample,
    ExampleExpectation,
    Skill,
    create_agent_app,
)
from chassis.dapr import DaprPort
from chassis.deferred import BuiltOnThread

if TYPE_CHECKING:
    from agents.knowledge.service import KnowledgeService

__all__ = ["AGENT", "build_app"]

AGENT = AgentDescription(
    name="Knowledge",
    description="Answers questions from the project's documentation, with citations.",
    version="0.1.0",
    skills=(
        Skill(
            id="docs-qa",
            name="Documentation questions",
            # A planner routes by these words: the documents' own sections, and the parts
            # of the system people ask about (ports, releases, what happens when X fails).
            description=(
                "Answer questions about Hubspoke, this project, from its documentation "
                "(README, docs, deployment guide), quoting the sentences that answer and "
                "citing file and section; says so when the documentation does not say. "
                "Topics: running it, ports, pinned releases, the hub's API and operator "
                "console, the agent contract and registry, pausing agents, A2A, adding an "
                "agent in any language, planning and the local model, observability and tracing, "
                "asynchronous tasks, deadlines, human approval, failure handling (an agent, "
                "app, sidecar, Redis or the orchestrator that crashes, restarts, is slow or "
                "down), zero-trust security, secrets, container images, Kubernetes manifests "
                "and AKS, the Dapr runtime, state stores, what agents refuse, the router "
                "evaluation, benchmarks, tests."
            ),
            tags=(
                "docs",
                "documentation",
                "readme",
                "knowledge",
                "question",
                "explain",
                "hubspoke",
                "port",
                "redis",
                "restart",
                "failure",
                "deadline",
                "approval",
                "deployment",
                "console",
            ),
            examples=(
                "what does the README say about access control?",
                "how do I add an agent?",
                "which port does the summarizer's sidecar use?",
                "which Dapr SDK release is pinned?",
                "what if a sidecar crashes?",
                "what happens to a task when its deadline is over?",
                "who can approve a waiting step?",
                "where is the deployment guide for AKS?",
            ),
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
    """The knowledge agent; the index is built from the documents on a thread from start-up
    (`chassis.deferred`), and a question asked before it is built waits for it."""
    settings = settings or KnowledgeSettings()

    def build() -> KnowledgeService:
        # Imported here: Semantic Kernel, bm25s and scipy take seconds that readiness
        # does not need.
        from agents.knowledge.service import build_service

        return asyncio.run(build_service(settings, Path.cwd()))

    def setup(app: FastAPI, _: DaprPort) -> None:
        app.state.service = BuiltOnThread(build, name="knowledge-index")

    return create_agent_app(agent=AGENT, settings=settings, answer=answer, setup=setup, dapr=dapr)
