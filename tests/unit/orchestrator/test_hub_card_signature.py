"""The hub's own A2A card is signed with its key, as agents' cards are."""

from __future__ import annotations

import json

from google.protobuf.json_format import MessageToDict

from chassis.card_signing import verify_card_json
from chassis.signatures import load_public_keys, new_key_pair
from orchestrator.edge.card import HubCard
from tests.unit.orchestrator.conftest import orchestrator_settings


def test_the_hubs_card_carries_a_signature_by_the_hubs_key() -> None:
    private, public = new_key_pair()
    settings = orchestrator_settings(signing_key=private)
    card = MessageToDict(HubCard(settings, "1.2.3", list).current())
    assert len(card["signatures"]) == 1
    verify_card_json(card, "orchestrator", load_public_keys(json.dumps({"orchestrator": public})))


def test_without_a_key_the_hubs_card_is_unsigned() -> None:
    card = HubCard(orchestrator_settings(), "1.2.3", list).current()
    assert not card.signatures
