"""External A2A agents: the allowlist, their cards, registration by card URL, routes."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agents.calculator.main import AGENT as CALCULATOR
from chassis.contract import RegistrationKind, RegistrationMessage
from chassis.errors import ConflictError
from chassis.testing import InMemoryDapr
from orchestrator.ports import AgentRoute
from orchestrator.registry.allowlist import (
    ExternalAgent,
    ExternalAllowlist,
    NotAllowed,
    http_endpoint_resource,
)
from orchestrator.registry.external import ExternalCardError, parse_external_card
from orchestrator.registry.policy import CardRefusedError, Health, RegistryPolicy
from orchestrator.registry.service import NoAgentAvailable, RegistryService
from orchestrator.registry.store import RegistryStore
from tests.unit.orchestrator.conftest import card_for, orchestrator_settings, public_client

BASE = "https://agents.example.org/wc"
CARD_URL = f"{BASE}/.well-known/agent-card.json"
WORDCOUNT = ExternalAgent(name="wordcount", base_url=BASE)


def plain_card(rpc_url: str = f"{BASE}/rpc", **changes: Any) -> dict[str, Any]:
    """An A2A 1.0 card as a third party serves it: no Hubspoke extension."""
    card = {
        "name": "Word counter",
        "description": "Counts words.",
        "version": "2.1",
        "provider": {"organization": "Example Org", "url": "https://example.org"},
        "supportedInterfaces": [
            {"url": rpc_url, "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}
        ],
        "capabilities": {},
        "defaultInputModes": ["text/plain"],
        "defaultOutputModes": ["text/plain"],
        "skills": [
            {
                "id": "count-words",
                "name": "Count words",
                "description": "Count the words of a text.",
                "tags": ["words"],
            }
        ],
    }
    card.update(changes)
    return card


# -- allowlist ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "path"),
    [
        (CARD_URL, ".well-known/agent-card.json"),
        (f"{BASE}/rpc", "rpc"),
        ("https://agents.example.org:443/wc/rpc", "rpc"),
        (BASE, ""),
    ],
)
def test_a_url_under_the_base_gives_its_path_below_it(url: str, path: str) -> None:
    assert WORDCOUNT.path_of(url) == path


@pytest.mark.parametrize(
    "url",
    [
        "http://agents.example.org/wc/rpc",  # another scheme
        "https://agents.example.org:8443/wc/rpc",  # another port
        "https://agents.example.org.evil.test/wc/rpc",  # another host
        "https://agents.example.org/wcx/rpc",  # a path that only starts like the base
        "https://agents.example.org/wc/../admin",  # out by dot segments
        "https://agents.example.org/wc/%2E%2E/admin",  # encoded dot segments
        "https://agents.example.org/wc/x%2F..%2F..%2Fadmin",  # encoded separators
        "https://agents.example.org/wc/rpc%00",  # a control character
        "https://user:pw@agents.example.org/wc/rpc",  # credentials
        "https://agents.example.org/wc/rpc?x=1",  # a query
    ],
)
def test_a_url_outside_the_base_is_not_covered(url: str) -> None:
    assert WORDCOUNT.path_of(url) is None
    with pytest.raises(NotAllowed, match="not under an allowlisted"):
        ExternalAllowlist([WORDCOUNT]).locate(url)


@pytest.mark.parametrize(
    "base", ["ftp://x.org/a", "https:///nohost", "https://x.org/a?q=1", "https://u:p@x.org"]
)
def test_only_plain_http_base_urls_are_accepted(base: str) -> None:
    with pytest.raises(ValueError, match="base_url"):
        ExternalAgent(name="x", base_url=base)


def test_http_endpoint_resource_names_the_secret_store_and_scopes_the_orchestrator() -> None:
    agent = ExternalAgent.model_validate(
        {
            "name": "wordcount",
            "base_url": BASE + "/",
            "headers": [{"name": "Authorization", "secret": "wc-token"}],
            "root_ca_secret": "wc-ca",
        }
    )
    resource = http_endpoint_resource(agent)
    assert resource["kind"] == "HTTPEndpoint"
    assert resource["metadata"] == {"name": "wordcount"}
    assert resource["spec"]["baseUrl"] == BASE  # trailing slash dropped
    assert resource["spec"]["headers"] == [
        {"name": "Authorization", "secretKeyRef": {"name": "wc-token", "key": "wc-token"}}
    ]
    assert resource["spec"]["clientTLS"]["rootCA"]["secretKeyRef"]["name"] == "wc-ca"
    assert resource["auth"] == {"secretStore": "sidecar-secrets"}
    assert resource["scopes"] == ["orchestrator"]


# -- cards -------------------------------------------------------------------


def test_a_plain_a2a_card_is_accepted_with_its_jsonrpc_path() -> None:
    external = parse_external_card(plain_card(), WORDCOUNT)
    assert external.rpc_path == "rpc"
    assert external.card.app_id == "wordcount"
    assert external.card.hubspoke.contract_version == "a2a/v1"
    assert external.card.hubspoke.owner == "Example Org"
    assert external.card.card.version == "2.1"  # not SemVer, kept as given
    assert not external.card.hubspoke.async_work


@pytest.mark.parametrize(
    ("card", "reason"),
    [
        ({**plain_card(), "description": ""}, "description"),
        ({k: v for k, v in plain_card().items() if k != "skills"}, "skills"),
        (plain_card(rpc_url="https://elsewhere.example/rpc"), "no JSONRPC interface of the card"),
        (
            plain_card(
                supportedInterfaces=[
                    {"url": f"{BASE}/v1", "protocolBinding": "HTTP+JSON", "protocolVersion": "1.0"}
                ]
            ),
            "advertises no JSONRPC interface",
        ),
        (["not", "a", "card"], "not a JSON object"),
    ],
)
def test_an_incomplete_card_or_one_pointing_elsewhere_is_refused(card: Any, reason: str) -> None:
    with pytest.raises(ExternalCardError, match=reason):
        parse_external_card(card, WORDCOUNT)


# -- the registry ------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 29, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def registry_with(dapr: InMemoryDapr, clock: Clock | None = None) -> RegistryService:
    return RegistryService(
        store=RegistryStore(dapr, "statestore"),
        dapr=dapr,
        policy=RegistryPolicy(unhealthy_after=timedelta(seconds=3)),
        verify_cards=False,
        clock=clock or Clock(),
        allowlist=ExternalAllowlist([WORDCOUNT]),
    )


def serving(card: dict[str, Any]) -> InMemoryDapr:
    async def card_handler(_: Any) -> Any:
        return copy.deepcopy(card)

    return InMemoryDapr({"wordcount/.well-known/agent-card.json": card_handler})


async def test_registers_by_card_url_fetched_through_the_endpoint_name() -> None:
    dapr = serving(plain_card())
    registry = registry_with(dapr)
    view = await registry.register_external(CARD_URL)
    assert dapr.invocations == [("wordcount", ".well-known/agent-card.json", None)]
    assert (view.app_id, view.registration, view.health) == ("wordcount", "external", "healthy")
    assert registry.route("wordcount") == AgentRoute(target="wordcount", path="rpc")
    assert registry.route("calculator") == AgentRoute(target="calculator", path="a2a")
    skills = registry.plannable_skills()
    assert [(s.app_id, s.skill_id) for s in skills] == [("wordcount", "count-words")]
    # A fresh process loads it back from the store, route included.
    again = registry_with(dapr)
    await again.load()
    assert again.route("wordcount") == AgentRoute(target="wordcount", path="rpc")


async def test_an_off_allowlist_url_is_refused_before_anything_is_fetched() -> None:
    dapr = serving(plain_card())
    with pytest.raises(NotAllowed):
        await registry_with(dapr).register_external("https://evil.example/.well-known/x.json")
    assert dapr.invocations == []


async def test_a_refused_card_is_recorded_with_its_reason() -> None:
    registry = registry_with(serving(plain_card(rpc_url="https://elsewhere.example/rpc")))
    with pytest.raises(CardRefusedError, match="refused"):
        await registry.register_external(CARD_URL)
    [refusal] = await registry.refusals()
    assert refusal.app_id == "wordcount"
    assert "no JSONRPC interface of the card lies under" in refusal.reason


async def test_probes_refetch_the_card_and_failing_ones_make_it_unhealthy() -> None:
    dapr = serving(plain_card())
    registry = registry_with(dapr)
    await registry.register_external(CARD_URL)
    dapr.invocations.clear()
    await registry.sweep()
    assert dapr.invocations == [("wordcount", ".well-known/agent-card.json", None)]
    assert registry.health("wordcount") is Health.HEALTHY
    dapr.agents.clear()  # the agent is gone
    await registry.sweep()
    await registry.sweep()
    assert registry.health("wordcount") is Health.UNHEALTHY
    with pytest.raises(NoAgentAvailable):
        registry.ensure_available("wordcount")


async def test_a_hubspoke_agent_may_not_take_an_external_agents_name() -> None:
    registry = registry_with(InMemoryDapr())
    card = card_for(CALCULATOR, "wordcount")
    message = RegistrationMessage(
        kind=RegistrationKind.REGISTER,
        app_id="wordcount",
        instance_id="i1",
        card=card,
        sent_at=datetime.now(UTC),
    )
    await registry.handle(message, sender="wordcount")
    assert registry.find() == []
    [refusal] = await registry.refusals()
    assert "name of an allowlisted external agent" in refusal.reason


def test_api_registers_lists_and_removes_an_external_agent() -> None:
    settings = orchestrator_settings(
        verify_cards=False, external_agents=[{"name": "wordcount", "base_url": BASE}]
    )
    client: TestClient
    with public_client(serving(plain_card()), settings) as client:
        created = client.post("/v1/agents", json={"card_url": CARD_URL})
        assert created.status_code == 201, created.text
        assert created.json()["registration"] == "external"
        assert [a["app_id"] for a in client.get("/v1/agents").json()["agents"]] == ["wordcount"]
        off = client.post("/v1/agents", json={"card_url": "https://evil.example/card.json"})
        assert off.status_code == 422
        assert off.headers["content-type"].startswith("application/problem+json")
        assert "not under an allowlisted" in off.json()["detail"]
        both = client.post("/v1/agents", json={"card_url": CARD_URL, "app_id": "x"})
        assert both.status_code == 422
        assert client.delete("/v1/agents/wordcount").status_code == 204
        assert client.get("/v1/agents").json()["count"] == 0
        assert client.delete("/v1/agents/wordcount").status_code == 404


def test_settings_read_the_allowlist_from_json(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = json.dumps([{"name": "wordcount", "base_url": BASE}])
    monkeypatch.setenv("ORCHESTRATOR_EXTERNAL_AGENTS", raw)
    assert orchestrator_settings().external_agents == [WORDCOUNT]


async def test_a_self_registering_agent_cannot_be_removed_it_would_come_back() -> None:
    registry = registry_with(InMemoryDapr())
    message = RegistrationMessage(
        kind=RegistrationKind.REGISTER,
        app_id="calculator",
        instance_id="i1",
        card=card_for(CALCULATOR, "calculator"),
        sent_at=datetime.now(UTC),
    )
    await registry.handle(message, sender="calculator")
    with pytest.raises(ConflictError, match="next heartbeat"):
        await registry.remove("calculator")
