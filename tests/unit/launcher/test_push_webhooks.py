"""Push-notification webhooks get HTTPEndpoints beside external agents' (launcher)."""

from __future__ import annotations

import json

import pytest

from launcher.external_agents import ExternalAgentsError, allowlisted

AGENT = {"name": "wordcount", "base_url": "http://127.0.0.1:9999/ext"}
HOOKS = {"name": "hooks", "base_url": "https://hooks.example.org/a2a"}


def test_webhooks_are_allowlisted_like_external_agents() -> None:
    env = {
        "ORCHESTRATOR_EXTERNAL_AGENTS": json.dumps([AGENT]),
        "ORCHESTRATOR_PUSH_WEBHOOKS": json.dumps([HOOKS]),
    }
    assert [(e.name, e.base_url) for e in allowlisted(env)] == [
        ("wordcount", AGENT["base_url"]),
        ("hooks", HOOKS["base_url"]),
    ]


def test_a_name_used_by_an_agent_and_a_webhook_is_refused() -> None:
    env = {
        "ORCHESTRATOR_EXTERNAL_AGENTS": json.dumps([AGENT]),
        "ORCHESTRATOR_PUSH_WEBHOOKS": json.dumps([{**HOOKS, "name": "wordcount"}]),
    }
    with pytest.raises(ExternalAgentsError, match="twice"):
        allowlisted(env)


def test_a_malformed_webhook_list_names_its_variable() -> None:
    with pytest.raises(ExternalAgentsError, match="ORCHESTRATOR_PUSH_WEBHOOKS"):
        allowlisted({"ORCHESTRATOR_PUSH_WEBHOOKS": '[{"name": "x"}]'})
