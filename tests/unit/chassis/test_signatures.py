"""Per-app signatures on CloudEvents: canonical form, sign/verify, keys, refusals."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chassis.signatures import (
    KID_ATTRIBUTE,
    SIGNATURE_ATTRIBUTE,
    EventSigner,
    EventVerifier,
    SignatureRefused,
    canonical_event,
    load_private_key,
    load_public_keys,
    new_key_pair,
)

TOPIC = "agent.results.calculator"


def _pair(app_id: str) -> tuple[EventSigner, str]:
    private, public = new_key_pair()
    return EventSigner(app_id, load_private_key(private)), public


def _signed(signer: EventSigner, data: Any, topic: str = TOPIC) -> dict[str, Any]:
    event: dict[str, Any] = json.loads(signer.envelope(topic, json.dumps(data).encode(), "m-1"))
    return event


@pytest.fixture
def keys() -> tuple[EventSigner, EventSigner, EventVerifier]:
    calculator, calculator_public = _pair("calculator")
    units, units_public = _pair("units")
    public = json.dumps({"calculator": calculator_public, "units": units_public})
    return calculator, units, EventVerifier(load_public_keys(public))


def test_canonical_form_is_rfc8785_whatever_the_key_order() -> None:
    one = canonical_event(producer="a", topic="t", event_id="1", data={"b": 1.0, "a": "é"})
    two = canonical_event(producer="a", topic="t", event_id="1", data={"a": "é", "b": 1})
    assert one == two == '{"data":{"a":"é","b":1},"id":"1","producer":"a","topic":"t"}'.encode()


def test_a_signed_event_passes_for_its_producer_and_topic(keys: Any) -> None:
    calculator, _, verifier = keys
    event = _signed(calculator, {"stepId": "s", "n": [1, 2.5]})
    assert event[KID_ATTRIBUTE].startswith("calculator:")
    assert event["id"] == "m-1"
    verifier.check(event, producer="calculator", topic=TOPIC)


@pytest.mark.parametrize(
    ("change", "producer", "topic"),
    [
        ("data", "calculator", TOPIC),
        ("id", "calculator", TOPIC),
        ("none", "units", TOPIC),  # taken as another producer's
        ("none", "calculator", "agent.results.units"),  # replayed on another topic
        ("unsigned", "calculator", TOPIC),
        ("garbage", "calculator", TOPIC),
    ],
)
def test_a_changed_replayed_or_unsigned_event_is_refused(
    keys: Any, change: str, producer: str, topic: str
) -> None:
    calculator, _, verifier = keys
    event = _signed(calculator, {"stepId": "s", "answer": "5"})
    if change == "data":
        event["data"]["answer"] = "6"
    elif change == "id":
        event["id"] = "m-2"
    elif change == "unsigned":
        del event[SIGNATURE_ATTRIBUTE]
    elif change == "garbage":
        event[SIGNATURE_ATTRIBUTE] = "!!not base64!!"
    with pytest.raises(SignatureRefused, match="signature: "):
        verifier.check(event, producer=producer, topic=topic)


def test_an_event_signed_with_another_apps_key_is_refused(keys: Any) -> None:
    _, units, verifier = keys
    forged = _signed(units, {"stepId": "s"})  # units' key, calculator's topic
    assert verifier.passes(forged, producer="calculator", topic=TOPIC) is not None


def test_a_producer_without_a_known_key_is_refused(keys: Any) -> None:
    stranger, _ = _pair("stranger")
    _, _, verifier = keys
    reason = verifier.passes(_signed(stranger, {}), producer="stranger", topic=TOPIC)
    assert reason == "signature: no public key known for 'stranger'"


def test_verification_off_accepts_anything() -> None:
    assert EventVerifier({}, enabled=False).passes({"id": "x"}, producer="a", topic="t") is None


def test_keys_that_are_not_ed25519_raw_keys_do_not_load() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        load_private_key("c2hvcnQ")
    with pytest.raises(ValueError, match="'units'"):
        load_public_keys('{"units": "c2hvcnQ"}')
    with pytest.raises(ValueError, match="JSON object"):
        load_public_keys('["x"]')
