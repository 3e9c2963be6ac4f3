"""Questions about Hubspoke's own parts reach the knowledge agent: its card is what the
local planner matches them on (issue 23)."""

from __future__ import annotations

import secrets

from pydantic import SecretStr

from eval.cards import agent_cards
from eval.cases import RoutingCase
from eval.routing import plannable_skills, route_all
from orchestrator.settings import OrchestratorSettings

QUESTIONS = [
    # The examples, refused before as "no agent can do this".
    "what port does the orchestrator listen on?",
    "what happens when Redis restarts?",
    "which Dapr version is pinned?",
    "what does the orchestrator do when an agent is paused?",
    "where are the Kubernetes manifests kept?",
    # Its list of the system's parts: deadlines, approvals, deployment, failures.
    "what happens when a task runs past its deadline?",
    "how do approvals work?",
    "what happens if the orchestrator crashes?",
]
# Requests for other agents, or for none, that the card's new words must not pull in.
NOT_KNOWLEDGE = [
    (
        "give me a short version of this story: A fox found a bunch of grapes on a high vine. "
        "He jumped and jumped but could not reach them, and walked away saying they were sour "
        "anyway.",
        "summarizer",
    ),
    ("find cheap flights from London to Rome", None),
    ("write a Python function that reverses a list", None),
]


async def _route(requests: list[tuple[str, frozenset[str]]]) -> dict[str, frozenset[str]]:
    settings = OrchestratorSettings(
        verify_cards=False, api_keys=SecretStr(secrets.token_urlsafe(32)), ai_provider="local"
    )
    skills = await plannable_skills(agent_cards(), settings)
    cases = [RoutingCase(request=r, expect=e) for r, e in requests]
    return {r.case.request: r.agents for r in await route_all(cases, skills, settings)}


async def test_questions_about_the_system_are_planned_onto_the_knowledge_agent() -> None:
    routed = await _route([(q, frozenset({"knowledge"})) for q in QUESTIONS])
    assert {q: set(a) for q, a in routed.items() if a != {"knowledge"}} == {}


async def test_the_cards_words_do_not_pull_in_other_requests() -> None:
    expected = {r: frozenset({a} if a else set()) for r, a in NOT_KNOWLEDGE}
    assert await _route(list(expected.items())) == expected
