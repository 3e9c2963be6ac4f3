"""The router evaluation: its labelled set, its report, and the accuracy gate."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from eval.cards import agent_cards
from eval.cases import CASES_FILE, Part, RoutingCase, load_cases
from eval.report import accuracy, render
from eval.routing import Call, Routed, plannable_skills, route_all
from launcher.runfile import load_runfile
from orchestrator.settings import OrchestratorSettings

ROOT = Path(__file__).resolve().parents[3]
# The bar: at least this share of requests planned onto exactly the right agents.
MIN_ACCURACY = 95.0


def _settings() -> OrchestratorSettings:
    return OrchestratorSettings(
        verify_cards=False, api_keys=SecretStr(secrets.token_urlsafe(32)), ai_provider="local"
    )


def test_the_set_covers_every_agent_refusals_and_multi_agent_requests() -> None:
    cases = load_cases()
    agents = {a.app_id for a in load_runfile(ROOT / "dapr.yaml").apps} - {"orchestrator"}
    assert len(cases) >= 100
    for agent in agents:
        assert sum(1 for c in cases if c.expect == {agent}) >= 15, agent
    assert sum(1 for c in cases if not c.expect) >= 20
    assert sum(1 for c in cases if len(c.expect) > 1) >= 15
    assert {a for c in cases for a in c.expect} == agents


def test_about_a_third_of_the_set_is_held_out_by_hash() -> None:
    cases = load_cases()
    held_out = [c for c in cases if c.part is Part.HELD_OUT]
    assert 0.2 <= len(held_out) / len(cases) <= 0.4
    # The part follows from the request alone: the same request, the same part.
    again = RoutingCase(request=held_out[0].request, expect=frozenset({"other"}))
    assert again.part is Part.HELD_OUT


def test_a_request_listed_twice_or_a_malformed_case_is_refused(tmp_path: Path) -> None:
    twice = tmp_path / "twice.yaml"
    twice.write_text("- {request: '2+3', expect: [calculator]}\n" * 2)
    with pytest.raises(ValueError, match="listed twice"):
        load_cases(twice)
    malformed = tmp_path / "malformed.yaml"
    malformed.write_text("- {request: '2+3', agents: [calculator]}\n")
    with pytest.raises(ValidationError):
        load_cases(malformed)


def test_the_cards_are_the_ones_the_agents_build_themselves() -> None:
    cards = agent_cards()
    assert set(cards) == {"calculator", "summarizer", "knowledge", "units"}
    # The TypeScript agent's card comes from its own compiled code, not a copy.
    assert [s["id"] for s in cards["units"]["skills"]] == ["convert-units"]
    assert cards["units"]["supportedInterfaces"][0]["url"].endswith("/invoke/units/method/a2a")


def test_the_report_counts_exact_agent_sets_and_lists_each_miss() -> None:
    right = Routed(RoutingCase(request="2+3", expect=frozenset({"calculator"})), (), "")
    right = Routed(right.case, (Call("calculator", "arithmetic", "2+3"),), "5")
    refused = Routed(
        RoutingCase(request="convert 5 km to miles", expect=frozenset({"units"})),
        (),
        "no agent can do this: convert 5 km to miles",
    )
    extra = Routed(
        RoutingCase(request="tell me a joke", expect=frozenset()),
        (Call("summarizer", "summarize", "tell me a joke"),),
        "joke",
    )
    routed = [right, refused, extra]
    assert (accuracy(routed).right, accuracy(routed).total) == (1, 3)
    report = render(routed, model="local")
    assert "accuracy (exact agent set)   33.3% (1/3)" in report
    assert "misses: 2" in report
    assert "'convert 5 km to miles'\n    expected: units\n    got:      (refusal)" in report
    assert "    expected: (refusal)\n    got:      summarizer" in report
    assert "2+3" not in report.split("misses:")[1]


async def test_the_local_planner_routes_the_labelled_set_at_least_95_percent_right() -> None:
    """The quality gate of issue 16: `make eval` over the whole set, as a test."""
    settings = _settings()
    skills = await plannable_skills(agent_cards(), settings)
    routed = await route_all(load_cases(CASES_FILE), skills, settings)
    score = accuracy(routed)
    misses = [
        (r.case.request, sorted(r.case.expect), sorted(r.agents)) for r in routed if not r.right
    ]
    assert score.percent >= MIN_ACCURACY, misses
