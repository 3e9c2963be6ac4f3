"""Helpers for orchestrator tests: real agent cards, registration events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agents.calculator.main import AGENT as CALCULATOR
from agents.summarizer.main import AGENT as SUMMARIZER
from chassis.agent import AgentDescription, build_card
from chassis.settings import AgentSettings
from chassis.testing import InMemoryDapr
from orchestrator.main import build_app
from orchestrator.settings import OrchestratorSettings

API_KEY = "unit-test-api-key"
# The agents whose topics the orchestrator under test subscribes to: the stack's four
# and the names tests register.
PUBSUB_AGENTS = (
    "calculator",
    "summarizer",
    "knowledge",
    "units",
    "calculator-b",
    "legacy",
    "broken",
    "weather",
)


def orchestrator_settings(**overrides: Any) -> OrchestratorSettings:
    """Settings of an orchestrator under test; agents' evaluation examples are not run
    unless `evaluate_agents=True` is given. API_KEY (`api-key-0`) is an operator's."""
    values: dict[str, Any] = {
        "evaluate_agents": False,
        "api_keys": API_KEY,
        "api_key_roles": {"api-key-0": ["operator"]},
        "pubsub_agents": ",".join(PUBSUB_AGENTS),
        **overrides,
    }
    return OrchestratorSettings(app_id="orchestrator", **values)


def public_client(dapr: InMemoryDapr, settings: OrchestratorSettings) -> TestClient:
    """A client of the public API (with the API key); use it as a context manager."""
    app = build_app(settings, dapr=dapr, monitor=False, agents_http=dapr.agents_http())
    return TestClient(app, headers={"X-API-Key": API_KEY})


def card_for(agent: AgentDescription, app_id: str) -> dict[str, Any]:
    return build_card(agent, AgentSettings(app_id=app_id))


def registration(
    kind: str,
    app_id: str,
    *,
    card: dict[str, Any] | None = None,
    instance: str = "i1",
    source: str | None = None,
) -> dict[str, Any]:
    """A CloudEvent as Dapr delivers it from `source` (default: the app itself)."""
    return {
        "id": f"{kind}-{app_id}-{instance}-{datetime.now(UTC).timestamp()}",
        "source": source or app_id,
        "type": "com.dapr.event.sent",
        "specversion": "1.0",
        "data": {
            "kind": kind,
            "app_id": app_id,
            "instance_id": instance,
            "card": card,
            "sent_at": datetime.now(UTC).isoformat(),
        },
    }


def registry_post(event: dict[str, Any], *, sender: str | None = None) -> dict[str, Any]:
    """The request Dapr makes to deliver `event` published by `sender` (default: the
    agent the event names) on the sender's own `agents.registry.<app-id>` (keyword
    arguments of a client's `post`)."""
    app_id = sender or event.get("data", {}).get("app_id", "calculator")
    return {"url": f"/events/pubsub/agents.registry.{app_id}", "json": event}


async def calculator(payload: Any) -> Any:
    return {"agent": "calculator", "output": "5", "data": {"echo": payload["input"]}}


async def summarizer(payload: Any) -> Any:
    return {"agent": "summarizer", "output": "short", "data": {}}


@pytest.fixture
def dapr() -> InMemoryDapr:
    return InMemoryDapr({"calculator": calculator, "summarizer": summarizer})


@pytest.fixture
def settings() -> OrchestratorSettings:
    return orchestrator_settings(verify_cards=False)


@pytest.fixture
def client(dapr: InMemoryDapr, settings: OrchestratorSettings) -> Iterator[TestClient]:
    """An orchestrator with calculator and summarizer registered, no background sweeps."""
    with public_client(dapr, settings) as test_client:
        for agent, app_id in ((CALCULATOR, "calculator"), (SUMMARIZER, "summarizer")):
            event = registration("register", app_id, card=card_for(agent, app_id))
            assert test_client.post(**registry_post(event)).json() == {"status": "SUCCESS"}
        yield test_client
