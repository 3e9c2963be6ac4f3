"""Signing keys per app: the launcher's env for each app, and the kubectl commands."""

from __future__ import annotations

import json
import shlex

from chassis.signatures import EventSigner, EventVerifier, load_private_key, load_public_keys
from launcher.security import SigningKeys
from launcher.signing_keys import commands


def test_each_app_gets_its_own_private_key_and_every_public_key() -> None:
    keys = SigningKeys.new(["orchestrator", "units"])
    hub, units = keys.env("orchestrator"), keys.env("units")
    assert hub["HUBSPOKE_SIGNING_KEY"] != units["HUBSPOKE_SIGNING_KEY"]
    assert hub["HUBSPOKE_SIGNING_PUBLIC_KEYS"] == units["HUBSPOKE_SIGNING_PUBLIC_KEYS"]
    verifier = EventVerifier(load_public_keys(units["HUBSPOKE_SIGNING_PUBLIC_KEYS"]))
    signer = EventSigner("orchestrator", load_private_key(hub["HUBSPOKE_SIGNING_KEY"]))
    event = json.loads(signer.envelope("agent.requests.units", b'{"a": 1}'))
    assert verifier.passes(event, producer="orchestrator", topic="agent.requests.units") is None
    assert verifier.passes(event, producer="units", topic="agent.requests.units") is not None


def test_the_kubectl_commands_create_one_secret_per_app_and_the_public_keys() -> None:
    lines = [shlex.split(line) for line in commands("hubspoke", ["calculator", "units"])]
    assert [argv[6] for argv in lines] == [
        "calculator-signing-key",
        "units-signing-key",
        "signing-public-keys",
    ]
    private = {argv[6]: argv[7].removeprefix("--from-literal=key=") for argv in lines[:2]}
    public = load_public_keys(lines[2][7].removeprefix("--from-literal=keys="))
    assert set(public) == {"calculator", "units"}
    for app_id in ("calculator", "units"):
        derived = load_private_key(private[f"{app_id}-signing-key"]).public_key()
        assert derived.public_bytes_raw() == public[app_id].public_bytes_raw()
