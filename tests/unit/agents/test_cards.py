"""Every agent's card is complete by the official A2A SDK's own validation."""

from __future__ import annotations

import pytest

from agents.calculator.main import AGENT as CALCULATOR
from agents.knowledge.main import AGENT as KNOWLEDGE
from agents.summarizer.main import AGENT as SUMMARIZER
from chassis.agent import AgentDescription, build_card
from chassis.card import HubspokeCard, validate_a2a_card
from chassis.settings import AgentSettings


@pytest.mark.parametrize(
    ("agent", "app_id"),
    [(CALCULATOR, "calculator"), (SUMMARIZER, "summarizer"), (KNOWLEDGE, "knowledge")],
)
@pytest.mark.parametrize("async_work", [True, False])
def test_every_agent_card_passes_the_sdk_validation_and_ours(
    agent: AgentDescription, app_id: str, async_work: bool
) -> None:
    raw = build_card(agent, AgentSettings(app_id=app_id, async_work=async_work))
    card = validate_a2a_card(raw)  # raises CardError naming what is missing
    assert card.provider.organization
    assert card.provider.url
    assert card.capabilities.streaming is False  # no skill streams yet
    bindings = [i.protocol_binding for i in card.supported_interfaces]
    pubsub = ["https://hubspoke.dev/a2a/bindings/dapr-pubsub/v1"] if async_work else []
    assert bindings == ["JSONRPC", *pubsub]
    assert HubspokeCard.parse(raw).hubspoke.contract_version == "hubspoke.agent/v2"
