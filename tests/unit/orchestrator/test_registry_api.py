"""The registry through the orchestrator's API, with an in-memory Dapr port."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agents.calculator.main import AGENT as CALCULATOR
from chassis.card_signing import sign_card_json
from chassis.signatures import load_private_key, new_key_pair
from chassis.testing import InMemoryDapr
from tests.unit.orchestrator.conftest import (
    card_for,
    orchestrator_settings,
    public_client,
    registration,
    registry_post,
)


def test_registered_agents_are_listed_healthy_with_their_skills(client: TestClient) -> None:
    body = client.get("/v1/agents").json()
    assert body["count"] == 2
    calculator = body["agents"][0]
    assert calculator["app_id"] == "calculator"
    assert (calculator["health"], calculator["live_instances"]) == ("healthy", 1)
    assert calculator["contract_version"] == "hubspoke.agent/v2"
    assert [s["id"] for s in calculator["skills"]] == ["arithmetic"]


def test_filters_by_skill_tag_health_and_version(client: TestClient) -> None:
    def ids(**params: str) -> list[str]:
        return [a["app_id"] for a in client.get("/v1/agents", params=params).json()["agents"]]

    assert ids(skill="summarize") == ["summarizer"]
    assert ids(tag="math") == ["calculator"]
    assert ids(health="healthy") == ["calculator", "summarizer"]
    assert ids(health="unhealthy") == []
    assert ids(version=">=0.1,<1") == ["calculator", "summarizer"]
    assert ids(version=">=1.0") == []


def test_bad_version_range_is_400(client: TestClient) -> None:
    response = client.get("/v1/agents", params={"version": "new-ish"})
    assert response.status_code == 400
    assert "not a version range" in response.json()["detail"]


def test_search_ranks_agents_by_skill_text(client: TestClient) -> None:
    def best(q: str) -> str:
        return str(client.get("/v1/agents/search", params={"q": q}).json()[0]["agent"]["app_id"])

    assert best("please summarize this long text") == "summarizer"
    assert best("calculate a percentage") == "calculator"


def test_instances_of_one_app_count_as_one_agent(client: TestClient) -> None:
    card = card_for(CALCULATOR, "calculator")
    client.post(**registry_post(registration("heartbeat", "calculator", card=card, instance="i2")))
    assert client.get("/v1/agents/calculator").json()["live_instances"] == 2
    client.post(**registry_post(registration("deregister", "calculator", instance="i2")))
    assert client.get("/v1/agents/calculator").json()["live_instances"] == 1
    client.post(**registry_post(registration("deregister", "calculator", instance="i1")))
    assert client.get("/v1/agents/calculator").status_code == 404


def test_incompatible_contract_is_refused_with_a_visible_reason(client: TestClient) -> None:
    card = card_for(CALCULATOR, "legacy")
    card["capabilities"]["extensions"][0]["params"]["contractVersion"] = "hubspoke.agent/v1"
    client.post(**registry_post(registration("register", "legacy", card=card)))
    assert client.get("/v1/agents/legacy").status_code == 404
    [refusal] = client.get("/v1/agents/refusals").json()["refusals"]
    assert refusal["app_id"] == "legacy"
    assert refusal["reason"] == (
        "contract hubspoke.agent/v1 is incompatible with hubspoke.agent/v2, "
        "the contract of this orchestrator"
    )


def test_card_for_another_app_id_than_the_sender_is_refused(client: TestClient) -> None:
    card = card_for(CALCULATOR, "calculator")
    event = registration("register", "calculator", card=card)
    assert client.post(**registry_post(event, sender="summarizer")).json() == {"status": "SUCCESS"}
    [refusal] = client.get("/v1/agents/refusals").json()["refusals"]
    assert refusal["reason"] == "register for 'calculator' was sent by 'summarizer'"


@pytest.mark.parametrize("kind", ["deregister", "heartbeat"])
def test_an_agent_cannot_deregister_or_beat_for_another(client: TestClient, kind: str) -> None:
    """The sender is the topic: a goodbye or heartbeat naming calculator on the
    summarizer's topic changes nothing, whatever the CloudEvent source says."""
    before = client.get("/v1/agents/calculator").json()
    card = None if kind == "deregister" else card_for(CALCULATOR, "calculator")
    event = registration(kind, "calculator", card=card, instance="i9", source="calculator")
    assert client.post(**registry_post(event, sender="summarizer")).json() == {"status": "SUCCESS"}
    after = client.get("/v1/agents/calculator").json()
    assert after["live_instances"] == before["live_instances"] == 1
    [refusal] = client.get("/v1/agents/refusals").json()["refusals"]
    assert refusal["reason"] == f"{kind} for 'calculator' was sent by 'summarizer'"


def test_the_sender_is_the_topic_not_the_cloudevent_source(client: TestClient) -> None:
    """What Redis holds as `source` is whatever the writer put there; the topic is not."""
    card = card_for(CALCULATOR, "calculator")
    event = registration("heartbeat", "calculator", card=card, instance="i2", source="summarizer")
    assert client.post(**registry_post(event)).json() == {"status": "SUCCESS"}
    assert client.get("/v1/agents/calculator").json()["live_instances"] == 2
    assert client.get("/v1/agents/refusals").json()["refusals"] == []


def test_invalid_card_is_refused_saying_what_is_wrong(client: TestClient) -> None:
    card = card_for(CALCULATOR, "broken")
    card["version"] = "one"
    client.post(**registry_post(registration("register", "broken", card=card)))
    [refusal] = client.get("/v1/agents/refusals").json()["refusals"]
    assert "version 'one' is not SemVer" in refusal["reason"]


def test_malformed_registration_is_dropped(client: TestClient) -> None:
    response = client.post(**registry_post({"id": "x", "data": {"kind": "hello"}}))
    assert response.json() == {"status": "DROP"}


def test_published_card_must_match_the_card_the_app_serves(dapr: InMemoryDapr) -> None:
    served = card_for(CALCULATOR, "calculator")
    published = {**served, "description": "something else entirely"}

    async def serve_card(_: Any) -> Any:
        return served

    dapr.agents["calculator/.well-known/agent-card.json"] = serve_card
    settings = orchestrator_settings(verify_cards=True)
    with public_client(dapr, settings) as client:
        client.post(**registry_post(registration("register", "calculator", card=published)))
        assert client.get("/v1/agents/calculator").status_code == 404
        client.post(**registry_post(registration("register", "calculator", card=served)))
        assert client.get("/v1/agents/calculator").json()["health"] == "healthy"
        assert client.get("/v1/agents/refusals").json()["refusals"] == []


def test_pull_registration_fetches_the_card_through_dapr(dapr: InMemoryDapr) -> None:
    async def serve_card(_: Any) -> Any:
        return card_for(CALCULATOR, "quiet")

    dapr.agents["quiet/.well-known/agent-card.json"] = serve_card
    settings = orchestrator_settings()
    with public_client(dapr, settings) as client:
        response = client.post("/v1/agents", json={"app_id": "quiet"})
        assert response.status_code == 201
        assert (response.json()["registration"], response.json()["health"]) == ("pull", "healthy")
        unreachable = client.post("/v1/agents", json={"app_id": "nobody"})
        assert unreachable.status_code == 502
        assert client.post("/v1/agents", json={"app_id": "Bad Id"}).status_code == 422


def test_registry_survives_an_orchestrator_restart(dapr: InMemoryDapr) -> None:
    settings = orchestrator_settings(verify_cards=False)
    card = card_for(CALCULATOR, "calculator")
    with public_client(dapr, settings) as first:
        first.post(**registry_post(registration("register", "calculator", card=card)))
        before = first.get("/v1/agents/calculator").json()
    with public_client(dapr, settings) as second:
        assert second.get("/v1/agents/calculator").json() == before


def test_card_that_cannot_be_verified_yet_waits_for_the_next_heartbeat() -> None:
    dapr = InMemoryDapr()  # the app does not answer yet
    card = card_for(CALCULATOR, "calculator")
    settings = orchestrator_settings(verify_cards=True)
    with public_client(dapr, settings) as client:
        event = registration("register", "calculator", card=card)
        assert client.post(**registry_post(event)).json() == {"status": "SUCCESS"}
        assert client.get("/v1/agents/calculator").status_code == 404
        assert client.get("/v1/agents/refusals").json()["refusals"] == []

        async def serve_card(_: Any) -> Any:
            return card

        dapr.agents["calculator/.well-known/agent-card.json"] = serve_card
        client.post(**registry_post(registration("heartbeat", "calculator", card=card)))
        assert client.get("/v1/agents/calculator").status_code == 200


def test_an_operator_pauses_and_resumes_an_agent_recorded_with_who_and_why(
    client: TestClient,
) -> None:
    paused = client.post("/v1/agents/calculator/pause", json={"reason": "drifting"})
    assert paused.status_code == 200, paused.text
    assert paused.json()["paused"]["by"] == "api-key-0"  # the caller's name from its key
    assert paused.json()["paused"]["reason"] == "drifting"
    assert paused.json()["routable"] is False
    refused = client.post("/v1/tasks", json={"input": "2+3", "agent": "calculator"})
    assert refused.status_code == 409
    assert refused.json()["detail"] == "agent 'calculator' is paused by api-key-0: drifting"
    resumed = client.post("/v1/agents/calculator/resume")
    assert resumed.status_code == 200, resumed.text
    assert (resumed.json()["paused"], resumed.json()["resumed"]["by"]) == (None, "api-key-0")
    assert resumed.json()["routable"] is True


def test_pausing_needs_a_reason_and_a_registered_agent(client: TestClient) -> None:
    assert client.post("/v1/agents/calculator/pause", json={}).status_code == 422
    assert client.post("/v1/agents/calculator/pause", json={"reason": ""}).status_code == 422
    missing = client.post("/v1/agents/nobody/pause", json={"reason": "x"})
    assert missing.status_code == 404
    assert missing.json()["detail"] == "no registered agent 'nobody'"
    assert client.post("/v1/agents/nobody/resume").status_code == 404


def test_agents_are_listed_by_evaluation_state(client: TestClient) -> None:
    # Unit-test settings run no examples: every card version passes as it registers.
    listed = client.get("/v1/agents", params={"evaluation": "passed"}).json()
    assert [a["app_id"] for a in listed["agents"]] == ["calculator", "summarizer"]
    assert listed["agents"][0]["evaluation"] == {
        "state": "passed",
        "version": "0.1.0",
        "evaluated_at": None,
        "failure": None,
    }
    assert client.get("/v1/agents", params={"evaluation": "quarantined"}).json()["count"] == 0
    assert client.get("/v1/agents", params={"evaluation": "bad"}).status_code == 422


def test_registering_the_hubs_own_app_id_is_refused_before_any_call(dapr: InMemoryDapr) -> None:
    async def serve_card(_: Any) -> Any:
        return card_for(CALCULATOR, "orchestrator")

    dapr.agents["orchestrator/.well-known/agent-card.json"] = serve_card
    with public_client(dapr, orchestrator_settings()) as client:
        response = client.post("/v1/agents", json={"app_id": "orchestrator"})
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert "reserved" in response.json()["detail"]
        assert client.get("/v1/agents/orchestrator").status_code == 404
    assert [call for call in dapr.invocations if call[0] == "orchestrator"] == []


def test_pull_registration_refuses_a_card_not_signed_by_the_apps_own_key(
    dapr: InMemoryDapr,
) -> None:
    quiet_private, quiet_public = new_key_pair()
    other_private, other_public = new_key_pair()
    card = card_for(CALCULATOR, "quiet")
    served = {
        "quiet": sign_card_json(card, "quiet", load_private_key(quiet_private)),
        "unsigned": card_for(CALCULATOR, "unsigned"),
        "borrowed": sign_card_json(
            card_for(CALCULATOR, "borrowed"), "other", load_private_key(other_private)
        ),
    }
    for app_id, body in served.items():

        async def serve(_: Any, body: Any = body) -> Any:
            return body

        dapr.agents[f"{app_id}/.well-known/agent-card.json"] = serve
    keys = {"quiet": quiet_public, "unsigned": quiet_public, "borrowed": quiet_public}
    settings = orchestrator_settings(
        verify_signatures=True, signing_public_keys=json.dumps({**keys, "other": other_public})
    )
    with public_client(dapr, settings) as client:
        assert client.post("/v1/agents", json={"app_id": "quiet"}).status_code == 201
        for app_id, why in (("unsigned", "is not signed"), ("borrowed", "another key")):
            refused = client.post("/v1/agents", json={"app_id": app_id})
            assert refused.status_code == 422, refused.text
            assert refused.headers["content-type"] == "application/problem+json"
            assert why in refused.json()["detail"], refused.json()
