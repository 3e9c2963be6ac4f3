"""The card checks on cards built in memory: what passes, and what each failure tells to fix."""

from __future__ import annotations

import copy
import json
from typing import Any

from conformance.checks.card import check_card
from conformance.ports import HttpAnswer
from conformance.results import CheckResult, Outcome
from tests.unit.conformance.fakes import APP, good_card, without


def check(card: dict[str, Any], app_id: str = APP) -> dict[str, CheckResult]:
    results, _ = check_card(HttpAnswer(200, json.dumps(card)), app_id)
    return {r.name: r for r in results}


def test_a_card_as_the_design_describes_passes_every_card_check() -> None:
    results, facts = check_card(HttpAnswer(200, json.dumps(good_card())), APP)
    assert [(r.name, r.outcome) for r in results] == [
        ("card.fetch", Outcome.PASS),
        ("card.a2a", Outcome.PASS),
        ("card.hubspoke", Outcome.PASS),
        ("card.interfaces", Outcome.PASS),
        ("card.security", Outcome.PASS),
    ]
    assert facts is not None
    assert facts.examples == (("forecast", "weather in Oslo tomorrow"),)
    assert facts.offers_pubsub


def test_missing_provider_url_says_to_set_it() -> None:
    result = check(without(good_card(), "provider", "url"))["card.a2a"]
    assert result.outcome is Outcome.FAIL
    assert result.message == (
        "card lacks provider.url: set provider.url (A2A 1.0 requires it when provider is present)"
    )


def test_each_missing_required_field_is_named_in_camel_case() -> None:
    card = without(without(good_card(), "skills", 0, "tags"), "defaultInputModes")
    message = check(card)["card.a2a"].message
    assert "card lacks defaultInputModes: set defaultInputModes" in message
    assert (
        "card lacks skills[0].tags: set skills[0].tags (A2A 1.0 requires at least one tag"
        in message
    )


def test_a_pre_1_0_field_fails_the_a2a_parse_with_the_fix() -> None:
    card = good_card() | {"url": "http://127.0.0.1:8001"}
    result = check(card)["card.a2a"]
    assert result.outcome is Outcome.FAIL
    assert "not an A2A 1.0 AgentCard" in result.message
    assert "drop fields A2A 1.0 lacks" in result.message


def test_the_v1_extension_is_told_to_move_to_v2() -> None:
    card = good_card()
    card["capabilities"]["extensions"][0]["uri"] = "https://hubspoke.dev/extensions/agent/v1"
    result = check(card)["card.hubspoke"]
    assert result.outcome is Outcome.FAIL
    assert "move to https://hubspoke.dev/extensions/agent/v2" in result.message


def test_extension_of_another_app_id_and_contract_fails() -> None:
    card = good_card()
    params = card["capabilities"]["extensions"][0]["params"]
    params.update(appId="calculator", contractVersion="hubspoke.agent/v1")
    del params["skills"]["forecast"]["outputSchema"]
    message = check(card)["card.hubspoke"].message
    assert "set it to the Dapr app-id 'weather'" in message
    assert "set 'hubspoke.agent/v2'" in message
    assert "params.skills['forecast'].outputSchema is missing" in message


def test_an_interface_on_the_agents_own_port_fails() -> None:
    card = good_card()
    card["supportedInterfaces"][0]["url"] = "http://127.0.0.1:8001/a2a"
    result = check(card)["card.interfaces"]
    assert result.outcome is Outcome.FAIL
    assert "use http://localhost:3500/v1.0/invoke/weather/method/a2a" in result.message


def test_an_extra_interface_fails() -> None:
    card = good_card()
    extra = {"url": "http://x/rest", "protocolBinding": "HTTP+JSON", "protocolVersion": "1.0"}
    card["supportedInterfaces"].append(extra)
    assert "interface HTTP+JSON http://x/rest is not one of the design's" in (
        check(card)["card.interfaces"].message
    )


def test_pubsub_interface_without_async_work_fails() -> None:
    card = good_card()
    card["capabilities"]["extensions"][0]["params"]["asyncWork"] = False
    assert "disagree" in check(card)["card.interfaces"].message


def test_an_agent_without_async_work_passes_without_the_pubsub_interface() -> None:
    results, facts = check_card(HttpAnswer(200, json.dumps(good_card(async_work=False))), APP)
    assert all(r.outcome is Outcome.PASS for r in results)
    assert facts is not None
    assert not facts.offers_pubsub


def test_security_schemes_must_be_declared_and_required_together() -> None:
    card = copy.deepcopy(good_card())
    card["securityRequirements"] = [{"schemes": {"daprMtls": {}}}]
    card["securitySchemes"]["daprApiToken"]["apiKeySecurityScheme"]["name"] = "x-token"
    message = check(card)["card.security"].message
    assert "daprApiToken must be location header, name dapr-api-token" in message
    assert "no securityRequirements entry requires both" in message


def test_a_card_denied_by_the_access_policy_says_so() -> None:
    body = '{"errorCode":"ERR_DIRECT_INVOKE","message":"PermissionDenied desc = access control"}'
    results, facts = check_card(HttpAnswer(403, body), APP)
    assert facts is None
    assert [r.outcome for r in results] == [Outcome.FAIL]
    assert "access policy" in results[0].message


def test_a_card_that_is_not_json_fails_the_fetch() -> None:
    results, _ = check_card(HttpAnswer(200, "<html>"), APP)
    assert (results[0].name, results[0].outcome) == ("card.fetch", Outcome.FAIL)
    assert "not JSON" in results[0].message
