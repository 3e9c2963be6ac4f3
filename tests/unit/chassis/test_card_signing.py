"""Signed agent cards: the SDK's JWS over the canonical card, by the app's key."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from chassis.agent import build_card
from chassis.card_signing import CardSignatureRefused, sign_card_json, verify_card_json
from chassis.settings import AgentSettings
from chassis.signatures import load_private_key, load_public_keys, new_key_pair
from tests.unit.chassis.test_agent import DESCRIPTION

PRIVATE, PUBLIC = new_key_pair()
OTHER_PRIVATE, OTHER_PUBLIC = new_key_pair()
KEYS = load_public_keys(json.dumps({"calculator": PUBLIC, "units": OTHER_PUBLIC}))


def card() -> dict[str, Any]:
    return build_card(DESCRIPTION, AgentSettings(app_id="calculator"))


def test_a_signed_card_verifies_with_its_apps_key_and_names_it() -> None:
    signed = sign_card_json(card(), "calculator", load_private_key(PRIVATE))
    [signature] = signed["signatures"]
    header = json.loads(base64.urlsafe_b64decode(signature["protected"] + "=="))
    assert header["alg"] == "EdDSA"
    assert header["typ"] == "JOSE"
    assert header["kid"].startswith("calculator:")
    verify_card_json(signed, "calculator", KEYS)


def test_a_card_changed_after_signing_unsigned_or_signed_by_another_app_is_refused() -> None:
    signed = sign_card_json(card(), "calculator", load_private_key(PRIVATE))
    changed = {**signed, "description": "I am units now"}
    unsigned = card()
    by_other = sign_card_json(card(), "units", load_private_key(OTHER_PRIVATE))
    reasons = []
    for forged in (changed, unsigned, by_other):
        with pytest.raises(CardSignatureRefused) as refused:
            verify_card_json(forged, "calculator", KEYS)
        reasons.append(refused.value.reason)
    assert "changed after signing" in reasons[0]
    assert reasons[1] == "card signature: the card of 'calculator' is not signed"
    assert "another key" in reasons[2]


def test_a_card_of_an_app_without_a_known_key_or_not_a_card_is_refused() -> None:
    with pytest.raises(CardSignatureRefused, match="no public key known for 'stranger'"):
        verify_card_json(card(), "stranger", KEYS)
    with pytest.raises(CardSignatureRefused, match="not an A2A AgentCard"):
        verify_card_json({"name": 3, "bogus": True}, "calculator", KEYS)
