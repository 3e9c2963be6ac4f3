"""The registry applies the A2A SDK's card rules, as the conformance kit's card.a2a does."""

from __future__ import annotations

import json

import pytest

from agents.calculator.main import AGENT
from chassis.agent import build_card
from chassis.card import CardError, HubspokeCard
from chassis.settings import AgentSettings
from conformance.checks.card import check_card
from conformance.ports import HttpAnswer
from conformance.results import Outcome


def test_a_card_the_kit_fails_for_provider_url_is_refused_by_the_registry_too() -> None:
    card = build_card(AGENT, AgentSettings(app_id="calculator"))
    del card["provider"]["url"]
    results, _ = check_card(HttpAnswer(200, json.dumps(card)), "calculator")
    assert {r.name: r.outcome for r in results}["card.a2a"] is Outcome.FAIL
    with pytest.raises(CardError, match=r"provider\.url"):
        HubspokeCard.parse(card)


def test_a_card_both_accept_parses() -> None:
    card = build_card(AGENT, AgentSettings(app_id="calculator"))
    assert HubspokeCard.parse(card).app_id == "calculator"
