"""The answer evaluation: its labelled set, its judging, its report, and the accuracy gates."""

from __future__ import annotations

import json
import secrets
import shutil
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from eval.__main__ import answer_in_process
from eval.answers import Outcome, contains, is_right_answer
from eval.cards import CardError, agent_cards
from eval.cases import Part, RoutingCase, load_cases
from eval.report import accuracy, answer_accuracy, render
from eval.routing import Call, Routed, plannable_skills, route_all
from launcher.agents import agent_ids
from launcher.runfile import load_runfile
from orchestrator.settings import OrchestratorSettings

ROOT = Path(__file__).resolve().parents[3]
# Issue 23's bars: right agents AND right answer (or refusal), whole set and held-out part.
MIN_ANSWERS = 95.0
MIN_HELD_OUT_ANSWERS = 90.0
# Labelled requests each agent needs of its own (a new agent's go in eval/sets/<app-id>.yaml).
CASES_PER_AGENT = 25
# The quoted examples of issue 23 that are not the knowledge agent's: each in the set.
ISSUE_EXAMPLES = (
    "multiply 23 by 19",
    "what's the square root of 81",
    "add 15 and 27",
    "divide 144 by 12",
    "average of 3, 5 and 10",
    "half of 98",
    "what's twenty plus twenty two",
    "what is 2+2 and 3+3",
    "how many feet are in 3 meters?",
    "72 fahrenheit in celsius please",
    "I ran 10 km, how many miles is that?",
    "how heavy is 5 pounds in kilograms",
    "how fast is 100 km/h in m/s",
    "how many grams in an ounce",
    "convert 1 light year to kilometers",
    "shorten this: The registry keeps agents. It removes stale ones",
    "delete all agents",
)


def _settings() -> OrchestratorSettings:
    return OrchestratorSettings(
        verify_cards=False, api_keys=SecretStr(secrets.token_urlsafe(32)), ai_provider="local"
    )


def case(request: str, expect: set[str], **fields: object) -> RoutingCase:
    return RoutingCase.model_validate({"request": request, "expect": expect, **fields})


def test_the_set_covers_every_agent_refusals_multi_agent_requests_and_the_issue() -> None:
    cases = load_cases()
    agents = {a.app_id for a in load_runfile(ROOT / "dapr.yaml").apps} - {"orchestrator"}
    assert len(cases) >= 220
    for agent in sorted(agents):  # every declared agent, whatever its language
        own = sum(1 for c in cases if c.expect == {agent})
        assert own >= CASES_PER_AGENT, (
            f"{agent} has {own} labelled requests of its own, {CASES_PER_AGENT} are needed: "
            f"add them to eval/sets/{agent}.yaml (`- {{request: ..., expect: [{agent}], "
            "answer: [...]}`, eval/cases.py)"
        )
    assert sum(1 for c in cases if not c.expect and c.refusal) >= 40
    assert sum(1 for c in cases if len(c.expect) > 1) >= 20
    assert {a for c in cases for a in c.expect} <= agents
    requests = {c.request for c in cases}
    assert [e for e in ISSUE_EXAMPLES if e not in requests] == []
    # Every case says what its answer must hold, or that it is refused (multi-agent
    # cases with the knowledge agent are judged on their other parts).
    assert [c.request for c in cases if not c.answer and not c.refusal] == []


def test_about_a_third_of_the_set_is_held_out_by_hash() -> None:
    cases = load_cases()
    held_out = [c for c in cases if c.part is Part.HELD_OUT]
    assert 0.2 <= len(held_out) / len(cases) <= 0.4
    # The part follows from the request alone: the same request, the same part.
    assert case(held_out[0].request, {"other"}).part is Part.HELD_OUT


def test_a_request_listed_twice_or_a_malformed_case_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("- {request: '2+3', expect: [calculator], answer: ['5']}\n")
    (tmp_path / "b.yaml").write_text("- {request: '2+3', expect: [calculator]}\n")
    with pytest.raises(ValueError, match=r"listed twice \(also in a.yaml\)"):
        load_cases(tmp_path)
    malformed = tmp_path / "malformed.yaml"
    malformed.write_text("- {request: '2+3', agents: [calculator]}\n")
    with pytest.raises(ValidationError):
        load_cases(malformed)
    both = tmp_path / "both.yaml"
    both.write_text("- {request: '1/0', expect: [calculator], answer: ['x'], refusal: true}\n")
    with pytest.raises(ValidationError, match="not both"):
        load_cases(both)


def test_an_answer_is_right_with_the_right_agents_and_every_expected_string() -> None:
    sum_case = case("add 1000 and 234", {"calculator"}, answer=["1,234"])
    assert contains("1000 + 234 = 1234", "1,234")
    assert is_right_answer(sum_case, Outcome(frozenset({"calculator"}), "= 1,234", False))
    assert not is_right_answer(sum_case, Outcome(frozenset({"calculator"}), "= 1235", False))
    assert not is_right_answer(sum_case, Outcome(frozenset({"units"}), "1234", False))
    assert not is_right_answer(sum_case, Outcome(frozenset({"calculator"}), "(1234)", True))
    refusal = case("delete all agents", set(), refusal=True)
    assert is_right_answer(refusal, Outcome(frozenset(), "no agent can do this", True))
    assert not is_right_answer(refusal, Outcome(frozenset(), "Registration costs...", False))


def test_the_cards_are_the_ones_the_agents_build_themselves() -> None:
    cards = agent_cards()
    assert set(cards) == set(agent_ids(load_runfile(ROOT / "dapr.yaml")))
    # The TypeScript agent's card comes from its own compiled code, not a copy.
    assert [s["id"] for s in cards["units"]["skills"]] == ["convert-units"]
    assert cards["units"]["supportedInterfaces"][0]["url"].endswith("/invoke/units/method/a2a")
    # The Go agent's, from its binary's --card (built by make bootstrap).
    assert [s["id"] for s in cards["calendar"]["skills"]] == ["dates-and-times"]
    assert cards["calendar"]["supportedInterfaces"][0]["url"].endswith(
        "/invoke/calendar/method/a2a"
    )


def test_the_report_gives_both_accuracies_and_lists_each_miss() -> None:
    right = Routed(
        case("2+3", {"calculator"}, answer=["5"]), (Call("calculator", "arithmetic", "2+3"),), "5"
    )
    wrong_number = Routed(
        case("2*3", {"calculator"}, answer=["6"]), (Call("calculator", "arithmetic", "2*3"),), "7"
    )
    refused = Routed(
        case("convert 5 km to miles", {"units"}, answer=["3.10686"]),
        (),
        "no agent can do this: convert 5 km to miles",
        refused=True,
    )
    routed = [right, wrong_number, refused]
    assert (accuracy(routed).right, answer_accuracy(routed).right) == (2, 1)
    report = render(routed, model="local", how="in-process")
    assert "routing  66.7% (2/3)   answers  33.3% (1/3)" in report
    assert "misses: 2" in report
    assert (
        "'2*3'\n    expected: calculator; answer: '6'\n    got:      calculator; answered" in report
    )
    assert "expected: units; answer: '3.10686'\n    got:      (refusal); refused" in report
    assert "'2+3'" not in report.split("misses:")[1]


async def test_routing_alone_needs_no_agent() -> None:
    settings = _settings()
    skills = await plannable_skills(agent_cards(), settings)
    routed = await route_all([case("2+3", {"calculator"}, answer=["5"])], skills, settings)
    assert routed[0].right
    assert not routed[0].answered_right  # "done": no agent ran, so no answer to judge


async def test_planner_and_agents_answer_at_least_95_percent_and_90_held_out() -> None:
    """Issue 23's gates, on every case whose agents run in-process (the local planner,
    the calculator's and summarizer's services, the units agent's own `convert` in
    Node): right agents AND right answer or refusal."""
    routed = await answer_in_process(load_cases())
    assert len(routed) >= 200
    held_out = [r for r in routed if r.case.part is Part.HELD_OUT]
    misses = [(r.case.request, sorted(r.agents), r.answer) for r in routed if not r.answered_right]
    assert answer_accuracy(routed).percent >= MIN_ANSWERS, misses
    assert answer_accuracy(held_out).percent >= MIN_HELD_OUT_ANSWERS, misses


def test_an_agent_in_any_language_is_read_from_the_card_it_ships(tmp_path: Path) -> None:
    shutil.copy(ROOT / "dapr.yaml", tmp_path / "dapr.yaml")
    with (tmp_path / "dapr.yaml").open("a") as runfile:
        runfile.write(
            "\n  - {appID: wordcount, appDirPath: ./agents/wordcount, appPort: 8090, "
            "daprHTTPPort: 3590, daprGRPCPort: 3690, command: ['./bin/wordcount']}\n"
        )
    (tmp_path / "agents").mkdir()  # units prints its card; calendar ships one
    (tmp_path / "agents/units").symlink_to(ROOT / "agents/units", target_is_directory=True)
    (tmp_path / "agents/calendar").symlink_to(ROOT / "agents/calendar", target_is_directory=True)
    with pytest.raises(CardError, match=r"ships no .*agents/wordcount/card\.json"):
        agent_cards(tmp_path / "dapr.yaml")
    (tmp_path / "agents/wordcount").mkdir()
    card = {"name": "wordcount", "skills": [{"id": "count"}]}
    (tmp_path / "agents/wordcount/card.json").write_text(json.dumps(card))
    assert agent_cards(tmp_path / "dapr.yaml")["wordcount"] == card
