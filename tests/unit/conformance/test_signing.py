"""The kit signs its work as the hub does: the shared fixed-key vector
(agents/units/src/signatures.test.ts, sdk/go/hubspoke/signatures_test.go)."""

from __future__ import annotations

import json

import pytest

from chassis.signatures import EventVerifier, load_public_keys
from conformance.signing import signed_event

PRIVATE = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
PUBLIC = "A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg"
SIGNATURE = "7pO3VdxjQ5Kfako1i8m7pkMg9TJC8K0ZPn0Nn98c-OU8qBCcjxh3uhhYymX-OoMhbAoUOyrP97LuJJ2z9OsXBQ"
TOPIC = "agent.requests.units"
DATA = {"a": 1.5, "é": [True, None, "x"], "n": 10}


def test_the_kits_work_carries_the_hubs_exact_signature() -> None:
    event = json.loads(signed_event("orchestrator", PRIVATE, TOPIC, DATA, "m1"))
    assert event["hubspokesig"] == SIGNATURE
    assert event["hubspokekid"] == "orchestrator:56475aa75463474c"
    verifier = EventVerifier(load_public_keys(json.dumps({"orchestrator": PUBLIC})))
    assert verifier.passes(event, producer="orchestrator", topic=TOPIC) is None


def test_a_key_that_is_not_raw_ed25519_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        signed_event("orchestrator", "c2hvcnQ", TOPIC, DATA, "m1")
