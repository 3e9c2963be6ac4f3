"""`card.file`: the card an agent ships for `make eval` is the one it serves."""

from __future__ import annotations

import json

from conformance.checks.card_file import check_card_file
from conformance.ports import HttpAnswer
from conformance.results import Outcome
from tests.unit.conformance.fakes import good_card

SERVED = HttpAnswer(200, json.dumps(good_card()))


def test_the_served_card_on_file_passes() -> None:
    result = check_card_file(SERVED, json.dumps(good_card(), indent=2), "agents/x/card.json")
    assert result.outcome is Outcome.PASS


def test_the_unsigned_card_on_file_matches_the_served_signed_card() -> None:
    signed = {**good_card(), "signatures": [{"protected": "eyJ9", "signature": "c2ln"}]}
    result = check_card_file(HttpAnswer(200, json.dumps(signed)), json.dumps(good_card()), "x")
    assert result.outcome is Outcome.PASS
    changed = {**signed, "name": "other"}
    result = check_card_file(HttpAnswer(200, json.dumps(changed)), json.dumps(good_card()), "x")
    assert result.outcome is Outcome.FAIL


def test_a_drifted_file_names_the_fields_that_differ_and_the_fix() -> None:
    stale = {**good_card(), "version": "0.0.1"}
    result = check_card_file(SERVED, json.dumps(stale), "agents/x/card.json")
    assert result.outcome is Outcome.FAIL
    assert "agents/x/card.json differs from the served card in version" in result.message
    assert "GET /.well-known/agent-card.json" in result.message


def test_a_file_that_is_not_json_says_so() -> None:
    result = check_card_file(SERVED, "{", "agents/x/card.json")
    assert result.outcome is Outcome.FAIL
    assert "agents/x/card.json is not JSON" in result.message
